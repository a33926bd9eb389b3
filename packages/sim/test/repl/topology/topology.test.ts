import { Long, ObjectId, Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { packTs } from '../../../src/base/optime';
import { Random } from '../../../src/random/random';
import { parseConfig } from '../../../src/repl/config';
import { DEFAULT_REPL_PARAMETERS } from '../../../src/repl/parameters';
import { newPersistedReplState } from '../../../src/repl/persisted';
import type { Action } from '../../../src/repl/topology/actions';
import { Topology } from '../../../src/repl/topology/topology';
import type { OplogEntry } from '../../../src/storage/oplog';

function member(options: { emptyOplog?: boolean } = {}): { topology: Topology; steps: Action[][]; now: { millis: number } } {
  const persisted = newPersistedReplState();
  persisted.config = parseConfig(
    { _id: 'rs0', version: 1, members: [0, 1, 2].map((i) => ({ _id: i, host: `n${i}:27017` })) },
    ObjectId.createFromHexString('65a000000000000000000001'),
  );
  persisted.config.term = 1;
  persisted.term = 1;
  if (!options.emptyOplog) persisted.oplog.append(entry(100));
  const steps: Action[][] = [];
  const now = { millis: 1_000_000 };
  const topology = new Topology(
    { self: 'n1:27017', replSetName: 'rs0', persisted, params: DEFAULT_REPL_PARAMETERS, env: { now: () => now.millis, random: new Random(1) } },
    (actions) => steps.push([...actions]),
  );
  topology.start();
  steps.length = 0;
  return { topology, steps, now };
}

function entry(secs: number): OplogEntry {
  return { op: 'n', ns: '', o: {}, ts: packTs(secs, 1), t: 1, wallMillis: secs * 1000 };
}

const voteRequest = (term: number) => ({
  replSetRequestVotes: 1,
  setName: 'rs0',
  dryRun: false,
  term: Long.fromNumber(term),
  candidateIndex: 0,
  configVersion: 1,
  configTerm: 1,
  lastAppliedOpTime: { ts: new Timestamp({ t: 100, i: 1 }), t: Long.fromNumber(1) },
});

describe('Topology steps (topology/topology.ts)', () => {
  it('hands every decision to the sink as one list of actions, before the call returns', () => {
    const { topology, steps } = member();
    topology.heartbeatFailed('n0:27017', 'connection refused', { ok: 0, errmsg: 'no' });
    expect(steps).toHaveLength(1);
    expect(steps[0]!.map((a) => a.kind)).toEqual(['emit', 'log', 'emit', 'scheduleHeartbeat']);
  });

  // mongod answers replSetRequestVotes after updating its term (TopologyCoordinator::processReplSetRequestVotes
  // runs under the coordinator's lock after updateTerm): here that is two steps, the term's actions first.
  it('answers a vote request with a newer term in two steps: the term is persisted before the vote is', () => {
    const { topology, steps } = member();
    const reply = topology.requestVotes(voteRequest(5));
    expect(reply.voteGranted).toBe(true);
    expect(steps).toHaveLength(2);
    expect(steps[0]!.filter((a) => a.kind === 'persistReplState')).toEqual([{ kind: 'persistReplState', what: 'term' }]);
    expect(steps[1]!.filter((a) => a.kind === 'persistReplState')).toEqual([{ kind: 'persistReplState', what: 'vote' }]);
    expect(topology.persisted.lastVote).toEqual({ term: 5, candidateIndex: 0 });
  });

  it('a decision that throws hands over nothing it did not do, and changes nothing', () => {
    const { topology, steps } = member();
    expect(() => topology.logOps([{ op: 'i', ns: 'test.c', o: { _id: 1 } }])).toThrow('not primary');
    expect(steps).toEqual([]);
    expect(topology.oplog.length).toBe(1);
  });

  it('the election timer is random within electionTimeoutMillis plus 15 %, and the core knows when it is due', () => {
    const { topology, steps, now } = member();
    topology.freeze(0);
    const armed = steps[0]!.find((a) => a.kind === 'setTimer');
    expect(armed).toMatchObject({ kind: 'setTimer', timer: 'election' });
    const delay = (armed as Extract<Action, { kind: 'setTimer' }>).delayMillis;
    expect(delay).toBeGreaterThanOrEqual(10_000);
    expect(delay).toBeLessThanOrEqual(11_500);
    expect(topology.electionTimeoutDueMillis).toBe(now.millis + delay);
  });

  // Seed 1000426. Initial sync clones the source while it keeps writing, so the data is
  // consistent only from where initial sync ends (mongod's initialDataTimestamp; its storage takes
  // no stable timestamp before it, and rollback_impl.cpp recovers to a stable timestamp and
  // refuses a common point before it). Undoing entries into the clone gave a member other data
  // than the rest of the set; now it goes RECOVERING and waits for a resync.
  it('initial sync done records initialDataOpTime durably; a rollback to before it, or during initial sync, leaves the member RECOVERING', () => {
    const { topology, steps } = member({ emptyOplog: true });
    expect(topology.state).toBe('STARTUP2');
    topology.initialSyncCloned('n0:27017', entry(100), {});
    topology.entriesApplied([entry(101)], false);
    expect(topology.state).toBe('STARTUP2');
    expect(topology.persisted.initialDataOpTime).toBeUndefined();
    // Diverged while still applying from the clone start: the data was never consistent.
    topology.rollbackStarted('n0:27017');
    expect(topology.rollbackBeforeInitialData('n0:27017', 0)).toBe(true);
    expect(topology.state).toBe('RECOVERING');
    expect(steps.at(-1)!.map((a) => a.kind)).toContain('stopFetcher');

    const synced = member({ emptyOplog: true });
    synced.topology.initialSyncCloned('n0:27017', entry(100), {});
    synced.steps.length = 0;
    synced.topology.entriesApplied([entry(101), entry(102)], true);
    expect(synced.topology.state).toBe('SECONDARY');
    expect(synced.topology.persisted.initialDataOpTime).toEqual({ ts: packTs(102, 1), t: 1 });
    expect(synced.steps.flat()).toContainEqual({ kind: 'persistReplState', what: 'initialData' });
    synced.topology.entriesApplied([entry(103), entry(104)], true);
    // A common point at the initial data point or after it: an ordinary rollback.
    synced.topology.rollbackStarted('n0:27017');
    expect(synced.topology.rollbackBeforeInitialData('n0:27017', 2)).toBe(false);
    expect(synced.topology.state).toBe('ROLLBACK');
    // Before it (101 < 102): refused.
    expect(synced.topology.rollbackBeforeInitialData('n0:27017', 1)).toBe(true);
    expect(synced.topology.state).toBe('RECOVERING');
    expect(synced.topology.oplog.length).toBe(5);
    synced.topology.rollbackFinished();
    expect(synced.topology.state).toBe('RECOVERING');
  });
});
