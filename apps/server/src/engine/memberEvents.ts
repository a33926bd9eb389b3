import type { MemberEvent } from '@rslab/sim';

/**
 * Turn a simulated member's protocol event into a timeline line, or null for the chatty ones
 * (each heartbeat sent) that would drown the rest.
 */
export function describeMemberEvent(event: MemberEvent): { kind: string; text: string } | null {
  const self = event.host;
  switch (event.type) {
    case 'stateChange':
      return { kind: 'stateChange', text: `${self} is now ${event.to} (was ${event.from}): ${event.reason}` };
    case 'heartbeatFailed':
      return { kind: 'heartbeatFailed', text: `${self} got no heartbeat reply from ${event.to}: ${event.error}` };
    case 'memberHealth':
      return {
        kind: event.health === 1 ? 'memberUp' : 'memberDown',
        text: event.health === 1 ? `${self} sees ${event.member} up as ${event.state}` : `${self} marks ${event.member} DOWN`,
      };
    case 'electionStarted':
      return {
        kind: event.dryRun ? 'dryRunStarted' : 'electionStarted',
        text: event.dryRun
          ? `${self} asks whether it could win an election (dry run): ${event.reason}`
          : `${self} stands for election in term ${event.term}: ${event.reason}`,
      };
    case 'voteGranted':
      return { kind: 'voteGranted', text: `${event.from} votes for ${self} in term ${event.term}${event.dryRun ? ' (dry run)' : ''}` };
    case 'voteRefused':
      return { kind: 'voteRefused', text: `${event.from} refuses ${self} in term ${event.term}${event.dryRun ? ' (dry run)' : ''}: ${event.reason}` };
    case 'electionWon':
      return { kind: 'electionWon', text: `${self} won the election for term ${event.term}` };
    case 'electionLost':
      return { kind: 'electionLost', text: `${self} lost the election for term ${event.term}: ${event.reason}` };
    case 'primaryWritable':
      return { kind: 'primaryWritable', text: `${self} accepts writes as primary of term ${event.term}` };
    case 'stepDown':
      return { kind: 'stepDown', text: `${self} stepped down in term ${event.term}: ${event.reason}` };
    case 'syncSourceChange':
      return { kind: 'syncSourceChange', text: event.syncSource ? `${self} now syncs from ${event.syncSource}` : `${self} has no sync source` };
    case 'rollback':
      return { kind: 'rollback', text: `${self} rolled back ${event.undone.length} oplog entr${event.undone.length === 1 ? 'y' : 'ies'} (${event.documents.length} document(s) kept in its rollback files)` };
    case 'configChange':
      return { kind: 'configChange', text: `${self} has config version ${event.version} (term ${event.term})` };
    case 'termChange':
    case 'heartbeatSent':
    case 'heartbeatReceived':
    case 'heartbeatReply':
    case 'voteRequested':
    case 'voteCast':
    case 'commitPoint':
    case 'write':
      return null;
  }
}
