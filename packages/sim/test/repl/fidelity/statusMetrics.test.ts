import { Double, Long } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/harness/cluster';
import { staleWinner } from './staleWinner';

/**
 * replSetGetStatus's election metrics and serverStatus's electionMetrics counters as MongoDB 7.0
 * keeps them: replication_metrics.cpp / replication_metrics.idl (ReplicationMetrics: the field
 * order, the optional fields, when each is set and cleared), replication_coordinator_impl_elect_v1.cpp
 * `_startRealElection` (setElectionCandidateMetrics with latestKnownOpTime and the prior primary),
 * replication_coordinator_impl.cpp `processReplSetRequestVotes` (participant metrics on every real
 * request answered) and CatchupState (targetCatchupOpTime, numCatchUpOps only when catch-up reaches
 * its target, the numCatchUps* counters), oplog_applier_utils.cpp (a participant's newTermStartDate /
 * newTermAppliedDate from the "new primary" no-op), topology_coordinator.cpp `prepareStatusResponse`
 * (lastStableRecoveryTimestamp after optimes). As jstests/replsets/election_candidate_and_participant_metrics.js
 * and election_participant_new_term_metrics.js check them.
 */

const CANDIDATE_FIELDS_IN_ORDER = [
  'lastElectionReason',
  'lastElectionDate',
  'electionTerm',
  'lastCommittedOpTimeAtElection',
  'lastSeenOpTimeAtElection',
  'numVotesNeeded',
  'priorityAtElection',
  'electionTimeoutMillis',
  'priorPrimaryMemberId',
  'targetCatchupOpTime',
  'numCatchUpOps',
  'newTermStartDate',
  'wMajorityWriteAvailabilityDate',
];

const PARTICIPANT_FIELDS_IN_ORDER = [
  'votedForCandidate',
  'electionTerm',
  'lastVoteDate',
  'electionCandidateMemberId',
  'voteReason',
  'lastAppliedOpTimeAtElection',
  'maxAppliedOpTimeInSet',
  'priorityAtElection',
  'newTermStartDate',
  'newTermAppliedDate',
];

/** The fields of `doc` that are in `order`, in the order given: what an IDL serializer emits. */
function inOrder(order: readonly string[], doc: Document): string[] {
  return order.filter((k) => k in doc);
}

async function status(c: Cluster, host: string): Promise<Document> {
  const reply = await c.command(host, { replSetGetStatus: 1 }, { db: 'admin' });
  expect(reply.ok).toBe(1);
  return reply;
}

function metricsOf(c: Cluster, host: string): Document {
  return c.running(host).repl.electionMetrics();
}

describe('replSetGetStatus election metrics (replication_metrics.idl)', () => {
  it('after the first election: the candidate metrics in IDL order, no prior primary, no catch-up target; voters carry participant metrics with the new term dates', async () => {
    const c = new Cluster({ members: 3, seed: 301 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(4000);
    const s = await status(c, primary);
    // prepareStatusResponse: optimes, then lastStableRecoveryTimestamp, then the metrics, then members.
    const top = Object.keys(s);
    expect(top.indexOf('lastStableRecoveryTimestamp')).toBe(top.indexOf('optimes') + 1);
    expect(top.indexOf('electionCandidateMetrics')).toBe(top.indexOf('lastStableRecoveryTimestamp') + 1);
    const m = s.electionCandidateMetrics as Document;
    expect(Object.keys(m)).toEqual(inOrder(CANDIDATE_FIELDS_IN_ORDER, m));
    // Nobody was primary before and nobody was ahead: no priorPrimaryMemberId, no targetCatchupOpTime;
    // already caught up, so numCatchUpOps is 0 (set by signalHeartbeatUpdate's kAlreadyCaughtUp).
    expect(Object.keys(m)).toEqual(['lastElectionReason', 'lastElectionDate', 'electionTerm', 'lastCommittedOpTimeAtElection', 'lastSeenOpTimeAtElection', 'numVotesNeeded', 'priorityAtElection', 'electionTimeoutMillis', 'numCatchUpOps', 'newTermStartDate', 'wMajorityWriteAvailabilityDate']);
    expect(m.lastElectionReason).toBe('electionTimeout');
    expect(Number(m.electionTerm)).toBe(1);
    expect(m.numVotesNeeded).toBe(2);
    expect(m.priorityAtElection).toBe(1);
    expect(Number(m.electionTimeoutMillis)).toBe(10_000);
    expect(Number(m.numCatchUpOps)).toBe(0);
    expect((m.wMajorityWriteAvailabilityDate as Date).getTime()).toBeGreaterThanOrEqual((m.newTermStartDate as Date).getTime());
    expect((m.newTermStartDate as Date).getTime()).toBeGreaterThanOrEqual((m.lastElectionDate as Date).getTime());
    expect(s).not.toHaveProperty('electionParticipantMetrics');

    for (const voter of c.hosts.filter((h) => h !== primary)) {
      const vs = await status(c, voter);
      expect(vs).not.toHaveProperty('electionCandidateMetrics');
      const p = vs.electionParticipantMetrics as Document;
      expect(Object.keys(p)).toEqual(PARTICIPANT_FIELDS_IN_ORDER);
      expect(p).toMatchObject({ votedForCandidate: true, electionCandidateMemberId: c.hosts.indexOf(primary), voteReason: '', priorityAtElection: 1 });
      expect(Number(p.electionTerm)).toBe(1);
      // The "new primary" no-op's wall time, applied after it was written.
      expect((p.newTermStartDate as Date).getTime()).toBe((m.newTermStartDate as Date).getTime());
      expect((p.newTermAppliedDate as Date).getTime()).toBeGreaterThanOrEqual((p.newTermStartDate as Date).getTime());
    }
    c.stopAll();
  });

  it('the BSON types are the IDL\'s: longs for terms and timeouts, a double for the priority', async () => {
    const c = new Cluster({ members: 3, seed: 302 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const m = c.running(primary).repl.status().electionCandidateMetrics as Document;
    expect(m.electionTerm).toBeInstanceOf(Long);
    expect(m.electionTimeoutMillis).toBeInstanceOf(Long);
    expect(m.numCatchUpOps).toBeInstanceOf(Long);
    expect(m.priorityAtElection).toBeInstanceOf(Double);
    expect(typeof m.numVotesNeeded).toBe('number');
    c.stopAll();
  });

  it('replSetStepUp: reason stepUpRequestSkipDryRun, priorPrimaryMemberId the primary it replaced; the old primary drops its candidate metrics and shows its vote', async () => {
    const c = new Cluster({ members: 3, seed: 303 });
    await c.initiate();
    const first = await c.waitForPrimary(30_000);
    await c.advance(4000);
    const next = c.hosts.find((h) => h !== first)!;
    expect((await c.command(next, { replSetStepUp: 1, skipDryRun: true }, { db: 'admin' })).ok).toBe(1);
    await c.waitFor(() => c.state(first) === 'SECONDARY', 10_000);
    await c.advance(3000);
    const m = (await status(c, next)).electionCandidateMetrics as Document;
    expect(m.lastElectionReason).toBe('stepUpRequestSkipDryRun');
    expect(Number(m.electionTerm)).toBe(2);
    expect(m.priorPrimaryMemberId).toBe(c.hosts.indexOf(first));
    // lastSeenOpTimeAtElection is latestKnownOpTime(): at least the old primary's last optime then.
    expect(Number((m.lastSeenOpTimeAtElection as Document).t)).toBe(1);
    const old = await status(c, first);
    expect(old).not.toHaveProperty('electionCandidateMetrics');
    expect(old.electionParticipantMetrics).toMatchObject({ votedForCandidate: true, electionCandidateMemberId: c.hosts.indexOf(next), voteReason: '' });
    expect(Number((old.electionParticipantMetrics as Document).electionTerm)).toBe(2);
    // serverStatus.electionMetrics: the step-up counted on the new primary, the step-down on the old one.
    expect(metricsOf(c, next).stepUpCmd).toEqual({ called: Long.fromNumber(1), successful: Long.fromNumber(1) });
    expect(Number(metricsOf(c, first).numStepDownsCausedByHigherTerm)).toBe(1);
    expect(metricsOf(c, first).electionTimeout).toEqual({ called: Long.fromNumber(1), successful: Long.fromNumber(1) });
    c.stopAll();
  });

  it('a one-member set: reason electionTimeout, no numCatchUpOps (catch-up skipped), counted as skipped', async () => {
    const c = new Cluster({ members: 1, seed: 304 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.advance(1000);
    const m = (await status(c, primary)).electionCandidateMetrics as Document;
    expect(m.lastElectionReason).toBe('electionTimeout');
    expect(m.numVotesNeeded).toBe(1);
    expect(m).not.toHaveProperty('numCatchUpOps');
    expect(m).toHaveProperty('newTermStartDate');
    expect(m).toHaveProperty('wMajorityWriteAvailabilityDate');
    expect(Number(metricsOf(c, primary).numCatchUpsSkipped)).toBe(1);
    expect(Number(metricsOf(c, primary).numCatchUps)).toBe(0);
    c.stopAll();
  });

  it('catch-up: targetCatchupOpTime while catching up, numCatchUpOps once there; a refused real vote is recorded with its reason', async () => {
    // The winner must catch up from b, the only holder of the old primary's last write
    // (jstests/replsets/catchup.js holds the new primary's fetcher with stopReplProducer the same way).
    const { c, b, rest, winner, behindBy } = await staleWinner(305, { catchUpTakeoverDelayMillis: -1 });
    expect(behindBy.get(winner)).toBeGreaterThanOrEqual(1);
    const bLast = (await status(c, b)).optimes.appliedOpTime as Document;
    await c.advance(3000);
    const during = (await status(c, winner)).electionCandidateMetrics as Document;
    // The old primary was down when the winner stood: no priorPrimaryMemberId.
    expect(during).not.toHaveProperty('priorPrimaryMemberId');
    expect(during.targetCatchupOpTime).toEqual(bLast);
    expect(during).not.toHaveProperty('numCatchUpOps');
    expect(during).not.toHaveProperty('newTermStartDate');
    // b had the newer write: it refused the winner's real request, and says why.
    const bp = (await status(c, b)).electionParticipantMetrics as Document;
    expect(bp.votedForCandidate).toBe(false);
    expect(bp.voteReason).toMatch(/^candidate's data is staler than mine/);
    expect(bp.lastAppliedOpTimeAtElection).toEqual(bLast);
    expect(bp.maxAppliedOpTimeInSet).toEqual(bLast);
    // Let the winner fetch: it reaches b's optime then opens its term
    // (the others fetch again too, so that a write majority can have the term's first entry).
    for (const h of rest) expect((await c.command(h, { configureFailPoint: 'stopReplProducer', mode: 'off' }, { db: 'admin' })).ok).toBe(1);
    expect(await c.waitFor(() => (c.running(winner).repl.status().electionCandidateMetrics as Document | undefined)?.wMajorityWriteAvailabilityDate !== undefined, 30_000)).toBe(true);
    const after = (await status(c, winner)).electionCandidateMetrics as Document;
    expect(Object.keys(after)).toEqual(inOrder(CANDIDATE_FIELDS_IN_ORDER, after));
    // The entries it fetched during catch-up: what b had beyond it.
    expect(Number(after.numCatchUpOps)).toBe(behindBy.get(winner));
    expect(after.targetCatchupOpTime).toEqual(bLast);
    const counters = metricsOf(c, winner);
    expect(Number(counters.numCatchUps)).toBe(1);
    expect(Number(counters.numCatchUpsSucceeded)).toBe(1);
    expect(counters.averageCatchUpOps).toEqual(new Double(behindBy.get(winner)!));
    c.stopAll();
  });
});
