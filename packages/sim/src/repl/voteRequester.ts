import type { ReplContext } from './context';
import { errorMessage } from './context';
import type { VoteRound } from './topology/actions';

/**
 * One round of replSetRequestVotes on the wire (mongod's VoteRequester, a scatter-gather): the
 * request goes to every voter; each answer or failure is stepped into the topology core, which
 * tallies it. Resolves once the core has decided the round (at once if this member's own vote is
 * a majority); answers after that are dropped.
 */
export function requestVotes(ctx: ReplContext, round: VoteRound): Promise<void> {
  const { topology, ports } = ctx;
  return new Promise<void>((resolve) => {
    if (round.outcome !== undefined) {
      resolve();
      return;
    }
    for (const voter of round.voters) {
      ports.emit({ type: 'voteRequested', to: voter, term: round.term, dryRun: round.dryRun });
      ports.send(voter, 'admin', round.command, round.timeoutMillis).then(
        (reply) => {
          if (round.outcome !== undefined || ctx.stopped()) return;
          topology.voteReply(round, voter, reply);
          if (round.outcome !== undefined) resolve();
        },
        (error: unknown) => {
          if (round.outcome !== undefined || ctx.stopped()) return;
          topology.voteFailed(round, voter, errorMessage(error));
          if (round.outcome !== undefined) resolve();
        },
      );
    }
  });
}
