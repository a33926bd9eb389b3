import { Long, ObjectId, Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { packTs } from '../../../src/base/optime';
import { Cluster } from '../../../src/harness/cluster';
import { Random } from '../../../src/random/random';
import { parseConfig } from '../../../src/repl/config';
import { DEFAULT_REPL_PARAMETERS } from '../../../src/repl/parameters';
import { newPersistedReplState } from '../../../src/repl/persisted';
import type { Action } from '../../../src/repl/topology/actions';
import { Topology } from '../../../src/repl/topology/topology';

/**
 * Elections as MongoDB 7.0 runs them.
 * - replication_coordinator_impl_elect_v1.cpp: the dry run is `VoteRequester::start(..., term,
 *   true /* dry run *\/ ...)` with the *current* term; only after it succeeds does the candidate
 *   take term+1 and vote for itself (`_startRealElection_inlock(originalTerm + 1)`).
 *   vote_requester.cpp puts that term and `dryRun` in the replSetRequestVotes command.
 * - topology_coordinator.cpp processReplSetRequestVotes: `!args.isADryRun() && _lastVote.getTerm()
 *   == args.getTerm()` refuses ("already voted for another candidate (…) this term (…)") whoever
 *   asks, the same candidate again included; only a real request records `_lastVote`.
 * - replication_coordinator_impl_heartbeat.cpp (HeartbeatResponseAction::PriorityTakeover): the
 *   takeover fires after `getPriorityTakeoverDelay` = (priority rank + 1) × electionTimeoutMillis plus
 *   `_getRandomizedElectionOffset` (up to 15 % of the timeout); topology_coordinator.cpp
 *   _amIFreshEnoughForPriorityTakeover compares our last optime with `latestKnownOpTime()` (the
 *   newest of every up member), not with the primary's. Scripts: test/repl/topology/testdata/takeover.txt.
 */
describe('elections (elect_v1, processReplSetRequestVotes, priority takeover)', () => {
  it('the dry run asks at the current term with dryRun: true; the real round at term+1', async () => {
    const c = new Cluster({ members: 3, seed: 151, settings: { electionTimeoutMillis: 2000 } });
    await c.initiate();
    const first = await c.waitForPrimary(30_000);
    await c.advance(3000);
    const termBefore = c.persistedState(first).term;
    const requested: { to: string; term: number; dryRun: boolean }[] = [];
    c.onEvent((e) => {
      if (e.type === 'voteRequested') requested.push({ to: e.to, term: e.term, dryRun: e.dryRun });
    });
    c.kill(first);
    const next = await c.waitForPrimary(30_000);
    expect(c.persistedState(next).term).toBe(termBefore + 1);
    const dry = requested.filter((r) => r.dryRun);
    const real = requested.filter((r) => !r.dryRun);
    expect(dry.length).toBeGreaterThan(0);
    expect(new Set(dry.map((r) => r.term))).toEqual(new Set([termBefore]));
    expect(new Set(real.map((r) => r.term))).toEqual(new Set([termBefore + 1]));
    // What the voters saw: the dry run at the current term was answered without a vote recorded.
    const cast = c.events.filter((e) => e.type === 'voteCast' && e.candidate === next && e.dryRun);
    expect(cast.length).toBeGreaterThan(0);
    expect(cast.every((e) => e.type === 'voteCast' && e.term === termBefore && e.granted)).toBe(true);
    c.stopAll();
  });

  it('a voter at a newer term refuses the dry run (its term is the current one, not term+1)', async () => {
    const c = new Cluster({ members: 3, seed: 152 });
    await c.initiate();
    await c.waitForPrimary(30_000);
    await c.advance(3000);
    const voter = c.hosts[2]!;
    const term = c.persistedState(voter).term;
    const request = { replSetRequestVotes: 1, setName: 'rs0', dryRun: true, candidateIndex: 0, configVersion: 1, configTerm: term, lastAppliedOpTime: { ts: new Timestamp({ t: 2 ** 31 - 1, i: 1 }), t: Long.fromNumber(term) } };
    // A candidate one term behind asks at its current term: refused, and the reply's term tells it so.
    const behind = await c.command(voter, { ...request, term: Long.fromNumber(term - 1) });
    expect(behind).toMatchObject({ ok: 1, voteGranted: false, reason: `candidate's term (${term - 1}) is lower than mine (${term})` });
    expect(Number(behind.term)).toBe(term);
    const same = await c.command(voter, { ...request, term: Long.fromNumber(term) });
    expect(same.voteGranted).toBe(true);
    c.stopAll();
  });

  it('one vote per term, even to the same candidate asking twice; dry runs record no vote', async () => {
    const c = new Cluster({ members: 3, seed: 153 });
    await c.initiate();
    await c.waitForPrimary(30_000);
    await c.advance(3000);
    const voter = c.hosts[2]!;
    const lastVoteBefore = c.persistedState(voter).lastVote;
    const base = { replSetRequestVotes: 1, setName: 'rs0', candidateIndex: 1, configVersion: 1, configTerm: c.persistedState(voter).term, lastAppliedOpTime: { ts: new Timestamp({ t: 2 ** 31 - 1, i: 1 }), t: Long.fromNumber(100) } };
    for (let i = 0; i < 2; i++) {
      const dry = await c.command(voter, { ...base, dryRun: true, term: Long.fromNumber(9) });
      expect(dry.voteGranted).toBe(true);
    }
    expect(c.persistedState(voter).lastVote).toEqual(lastVoteBefore);
    const real = await c.command(voter, { ...base, dryRun: false, term: Long.fromNumber(9) });
    expect(real.voteGranted).toBe(true);
    expect(c.persistedState(voter).lastVote).toEqual({ term: 9, candidateIndex: 1 });
    const again = await c.command(voter, { ...base, dryRun: false, term: Long.fromNumber(9) });
    expect(again).toMatchObject({ voteGranted: false, reason: `already voted for another candidate (${c.hosts[1]}) this term (9)` });
    // A dry run for the term voted in is still answered (it records nothing).
    expect((await c.command(voter, { ...base, dryRun: true, term: Long.fromNumber(9) })).voteGranted).toBe(true);
    c.stopAll();
  });

  it('a priority takeover is scheduled (rank + 1) × electionTimeoutMillis plus up to 15 % later', () => {
    // Priorities n0:3, n1:2 (us), n2:1 (the primary): one member above us, rank 1.
    const delays: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const persisted = newPersistedReplState();
      persisted.config = parseConfig(
        { _id: 'rs0', version: 1, members: [3, 2, 1].map((priority, i) => ({ _id: i, host: `n${i}:27017`, priority })) },
        ObjectId.createFromHexString('65a000000000000000000001'),
      );
      persisted.config.term = 1;
      persisted.term = 1;
      persisted.oplog.append({ op: 'n', ns: '', o: {}, ts: packTs(100, 1), t: 1, wallMillis: 100_000 });
      const actions: Action[] = [];
      const topology = new Topology(
        { self: 'n1:27017', replSetName: 'rs0', persisted, params: DEFAULT_REPL_PARAMETERS, env: { now: () => 1_000_000, random: new Random(seed) } },
        (step) => actions.push(...step),
      );
      topology.start();
      topology.heartbeatReply('n2:27017', { ok: 1, state: 1, term: 1, set: 'rs0', configVersion: 1, configTerm: 1, opTime: { ts: new Timestamp({ t: 100, i: 1 }), t: Long.fromNumber(1) } }, 1_000_000);
      const armed = actions.find((a) => a.kind === 'setTimer' && a.timer === 'priorityTakeover');
      expect(armed).toBeDefined();
      delays.push((armed as Extract<Action, { kind: 'setTimer' }>).delayMillis);
    }
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(2 * 10_000);
      expect(d).toBeLessThanOrEqual(2 * 10_000 + 1500);
    }
    // Random, not a constant.
    expect(new Set(delays).size).toBeGreaterThan(5);
  });
});
