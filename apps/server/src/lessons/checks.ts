import type { MemberView } from '@rslab/protocol';
import type { LabView, ProcessView, ShellRecord } from './view';

/**
 * The kinds of check a lesson step can use, as data. Each judges the sandbox's state and, when
 * it does not pass, says in one sentence what is missing.
 */
export type CheckSpec =
  | { kind: 'commandRan'; language: ShellRecord['language']; pattern: string; description: string }
  | { kind: 'membersRunning'; replSetName: string; ports: readonly number[] }
  | { kind: 'clientOpen'; api?: 'Connection' | 'MongoClient' | 'mongosh'; direct: boolean; port?: number }
  | { kind: 'setInitiated'; members: number }
  | { kind: 'setHealthy'; secondaries: number }
  | { kind: 'clientDiscoveredSet'; members: number }
  | { kind: 'documentOnPrimary'; ns: string; field: string; value: unknown }
  | { kind: 'askedWhoIsPrimary'; afterFailover: boolean }
  | { kind: 'primaryKilled' }
  | { kind: 'errorAfterKill'; errorNames: readonly string[] }
  | { kind: 'newPrimaryElected' }
  | {
      kind: 'readAfterFailover';
      api?: 'Connection' | 'MongoClient' | 'mongosh';
      withoutError?: boolean;
      /** Only reads through a client that was already connected when the primary was killed. */
      openedBeforeKill?: boolean;
    }
  | { kind: 'rolledBack'; ns: string; field: string; value: unknown }
  | { kind: 'documentSurvivedFailover'; ns: string; field: string; value: unknown }
  | { kind: 'primaryIs'; port: number }
  | { kind: 'steppedDownWhilePartitioned' }
  | { kind: 'readWithoutPrimary' }
  | { kind: 'clusterEvent'; eventKind: string; description: string }
  | { kind: 'all'; checks: readonly CheckSpec[] };

export type CheckResult = { passed: true } | { passed: false; reason: string };

const pass: CheckResult = { passed: true };
const fail = (reason: string): CheckResult => ({ passed: false, reason });

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

function membersIn(view: LabView, state: MemberView['state']): MemberView[] {
  return view.cluster.members.filter((member) => member.state === state);
}

function lastPrimaryKill(view: LabView): ProcessView | null {
  let latest: ProcessView | null = null;
  for (const process of view.processes) {
    if (process.killed?.stateThen === 'PRIMARY' && (!latest || process.killed.at > (latest.killed?.at ?? 0))) latest = process;
  }
  return latest;
}

/** When the first primary in a term newer than the killed one's appeared, from the shell's view of time. */
function newPrimaryAfterKill(view: LabView): MemberView | null {
  const killed = lastPrimaryKill(view);
  if (!killed?.killed) return null;
  const termThen = killed.killed.termThen;
  return membersIn(view, 'PRIMARY').find((member) => member.term > termThen) ?? null;
}

/** The member that had become primary by `at`, from the timeline; undefined when it does not say. */
function primaryAt(view: LabView, at: number): string | undefined {
  let member: string | undefined;
  for (const event of view.events) {
    if (event.at > at) break;
    if (event.kind === 'primaryWritable' || event.kind === 'electionWon') member = event.member ?? member;
  }
  return member;
}

function listPorts(ports: readonly number[]): string {
  return ports.length === 1 ? `port ${ports[0]}` : `ports ${ports.slice(0, -1).join(', ')} and ${ports[ports.length - 1]}`;
}

function matches(document: Record<string, unknown>, field: string, value: unknown): boolean {
  return JSON.stringify(document[field]) === JSON.stringify(value);
}

export async function runCheck(spec: CheckSpec, view: LabView): Promise<CheckResult> {
  switch (spec.kind) {
    case 'commandRan': {
      const pattern = new RegExp(spec.pattern);
      const ran = view.shellHistory.some((record) => record.language === spec.language && record.ok && pattern.test(record.input.trim()));
      return ran ? pass : fail(`Run ${spec.description}.`);
    }
    case 'membersRunning': {
      const running = view.processes.filter((p) => p.running && p.replSetName === spec.replSetName);
      const missing = spec.ports.filter((port) => !running.some((p) => p.port === port));
      if (missing.length === 0) return pass;
      const wrongSet = view.processes.find((p) => p.running && missing.includes(p.port) && p.replSetName !== spec.replSetName);
      if (wrongSet) {
        return fail(
          `The mongod on port ${wrongSet.port} runs ${wrongSet.replSetName ? `set '${wrongSet.replSetName}'` : 'without --replSet'}; ` +
            `stop it and start it with --replSet ${spec.replSetName}.`,
        );
      }
      if (spec.ports.length === 1) return fail(`The member on port ${spec.ports[0]} is not running yet; start it.`);
      const up = spec.ports.length - missing.length;
      return fail(`${up} of ${spec.ports.length} members ${up === 1 ? 'is' : 'are'} running; start the one${missing.length > 1 ? 's' : ''} on ${listPorts(missing)}.`);
    }
    case 'clientOpen': {
      const found = view.clients.some(
        (client) =>
          !client.closed &&
          (spec.api === undefined || client.api === spec.api) &&
          client.directConnection === spec.direct &&
          (spec.port === undefined || client.seeds.some((seed) => portOf(seed) === spec.port)),
      );
      if (found) return pass;
      const what = spec.direct ? `a direct connection${spec.port ? ` to the member on port ${spec.port}` : ''}` : 'a connection to the set';
      return fail(`Open ${what}${spec.api ? ` with ${spec.api}` : ''}.`);
    }
    case 'setInitiated': {
      const inSet = view.cluster.members.filter((m) => m.state !== 'STARTUP' && m.state !== 'DOWN' && m.state !== 'UNKNOWN' && m.state !== 'REMOVED');
      if (view.cluster.setName === null) return fail('The set is not initiated yet: run replSetInitiate on one member.');
      if (view.cluster.members.length < spec.members) {
        return fail(`The set's config has ${view.cluster.members.length} member(s); it should list all ${spec.members}.`);
      }
      return inSet.length > 0 ? pass : fail('The set is initiated but no member has joined it yet.');
    }
    case 'setHealthy': {
      const primaries = membersIn(view, 'PRIMARY').length;
      const secondaries = membersIn(view, 'SECONDARY').length;
      if (primaries === 1 && secondaries >= spec.secondaries) return pass;
      if (primaries === 0) return fail(`No primary yet (${secondaries} ${secondaries === 1 ? 'secondary' : 'secondaries'}); the members are still electing one.`);
      return fail(`${secondaries} of ${spec.secondaries} secondaries are ready; the others are still syncing.`);
    }
    case 'clientDiscoveredSet': {
      const client = view.clients.find((c) => !c.closed && !c.directConnection && c.knownMembers.length >= spec.members && c.primary !== null);
      if (client) return pass;
      const partial = view.clients.find((c) => !c.closed && !c.directConnection);
      return partial
        ? fail(`Your client knows ${partial.knownMembers.length} of ${spec.members} members so far${partial.primary ? '' : ' and no primary'}.`)
        : fail('Connect to the set with a seed list, without slave_okay.');
    }
    case 'documentOnPrimary': {
      const primary = membersIn(view, 'PRIMARY')[0];
      if (!primary) return fail('There is no primary to write to right now.');
      const docs = (await view.documents(primary.host, spec.ns)) ?? [];
      return docs.some((d) => matches(d, spec.field, spec.value))
        ? pass
        : fail(`Save a document with ${spec.field}: ${JSON.stringify(spec.value)} in ${spec.ns}.`);
    }
    case 'askedWhoIsPrimary': {
      const since = spec.afterFailover ? (newPrimaryAfterKill(view) ? (lastPrimaryKill(view)?.killed?.at ?? 0) : Infinity) : 0;
      const primary = membersIn(view, 'PRIMARY')[0];
      // Asked a client (Python or mongosh, not a mongod command line) and got back the port of the
      // member that was primary when it answered.
      const asked = view.shellHistory.some((r) => {
        if (!r.ok || r.language === 'bash' || r.at < since) return false;
        if (!/\.(port|address|primary|host)\b|isMaster|hello|rs\.status/.test(r.input)) return false;
        const primaryThen = primaryAt(view, r.finishedAt) ?? primary?.host;
        return primaryThen === undefined || r.value === undefined || r.value.includes(String(portOf(primaryThen)));
      });
      if (asked) return pass;
      return fail(spec.afterFailover ? 'Ask the client again which member it uses now (its port).' : 'Ask the client which member it talks to (its host and port).');
    }
    case 'primaryKilled':
      return lastPrimaryKill(view) ? pass : fail('Kill the primary: find its PID with ps, then kill it.');
    case 'errorAfterKill': {
      const killed = lastPrimaryKill(view);
      if (!killed?.killed) return fail('Kill the primary first.');
      const killedAt = killed.killed.at;
      const seen = view.shellHistory.some((r) => !r.ok && r.at >= killedAt && r.errorName !== undefined && spec.errorNames.includes(r.errorName));
      return seen ? pass : fail(`Read again right away: the client should raise ${spec.errorNames[0]}.`);
    }
    case 'newPrimaryElected': {
      if (!lastPrimaryKill(view)) return fail('Kill the primary first.');
      return newPrimaryAfterKill(view) ? pass : fail('No new primary yet: the secondaries wait out their election timeout first.');
    }
    case 'readAfterFailover': {
      const killed = lastPrimaryKill(view);
      const elected = newPrimaryAfterKill(view);
      if (!killed?.killed || !elected) return fail('Wait for the new primary first.');
      const killedAt = killed.killed.at;
      const clients = view.clients;
      const counts = (client: (typeof clients)[number] | undefined): boolean =>
        client !== undefined && (spec.api === undefined || client.api === spec.api) && (!spec.openedBeforeKill || client.createdAt < killedAt);
      if (spec.openedBeforeKill && !clients.some((client) => !client.closed && counts(client))) {
        return fail(`Kill the primary while ${spec.api ?? 'a client'} is connected, then read through it: the read should ride out the election.`);
      }
      const reads = view.shellHistory.filter((r) => r.operation?.kind === 'read' && r.at >= killedAt && counts(clients.find((c) => c.id === r.operation?.client)));
      const succeeded = reads.some((r) => r.ok && r.operation?.servedBy === elected.host);
      if (!succeeded) return fail(`Read again${spec.api ? ` with ${spec.api}` : ''}: the new primary is ${elected.host}.`);
      if (spec.withoutError && reads.some((r) => !r.ok)) {
        return fail('A read failed on the way; with MongoClient the read should wait for the new primary and succeed.');
      }
      return pass;
    }
    case 'rolledBack': {
      const found = view.cluster.members.some((m) =>
        view.rolledBack(m.host).some((entry) => entry.ns === spec.ns && matches(entry.document, spec.field, spec.value)),
      );
      return found ? pass : fail(`The write with ${spec.field}: ${JSON.stringify(spec.value)} has not been rolled back yet; heal the partition and let the old primary rejoin.`);
    }
    case 'documentSurvivedFailover': {
      const elected = newPrimaryAfterKill(view);
      if (!elected) return fail('Fail the primary over first.');
      const docs = (await view.documents(elected.host, spec.ns)) ?? [];
      return docs.some((d) => matches(d, spec.field, spec.value)) ? pass : fail(`The new primary ${elected.host} has no document with ${spec.field}: ${JSON.stringify(spec.value)}.`);
    }
    case 'primaryIs': {
      const primary = membersIn(view, 'PRIMARY')[0];
      if (primary && portOf(primary.host) === spec.port) return pass;
      return fail(primary ? `The primary is ${primary.host}, not the member on port ${spec.port} yet.` : 'There is no primary right now.');
    }
    case 'steppedDownWhilePartitioned': {
      const partition = view.partitions.at(-1);
      if (!partition || partition.healedAt !== null) return fail('Partition the primary away from the other members first.');
      const majority = [...partition.groups].sort((a, b) => b.length - a.length)[0] ?? [];
      const primaries = membersIn(view, 'PRIMARY');
      const stale = primaries.find((m) => !majority.includes(m.host));
      if (stale) {
        return fail(`${stale.host} still believes it is primary; it steps down once it has not heard from a majority for an election timeout.`);
      }
      const fresh = primaries.find((m) => majority.includes(m.host) && m.term > partition.termThen);
      return fresh ? pass : fail('No primary on the majority side yet: wait for the election.');
    }
    case 'readWithoutPrimary': {
      // A read that a member answered after the primary died and before a new one was elected.
      const killedAt = lastPrimaryKill(view)?.killed?.at;
      if (killedAt === undefined) return fail('Kill the primary, then read at once through the client that allows secondaries.');
      const electedAt = view.events.find((e) => e.kind === 'electionWon' && e.at > killedAt)?.at ?? Infinity;
      const served = view.shellHistory.some(
        (r) => r.ok && r.operation?.kind === 'read' && r.operation.servedBy !== null && r.at >= killedAt && r.at < electedAt,
      );
      return served ? pass : fail('Read at once after the kill, before a new primary is elected, through the client that allows secondaries.');
    }
    case 'clusterEvent':
      return view.events.some((event) => event.kind === spec.eventKind) ? pass : fail(`${spec.description}.`);
    case 'all': {
      for (const check of spec.checks) {
        const result = await runCheck(check, view);
        if (!result.passed) return result;
      }
      return pass;
    }
  }
}
