import { Timestamp } from 'bson';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/lessons/checks';
import { mark, member, proc, view } from './labView';

const failoverErrors = ['AutoReconnect', 'ServerSelectionTimeoutError'];

describe('lesson checks', async () => {
  it('counts running members and names the missing port', async () => {
    const check = { kind: 'membersRunning', replSetName: 'foo', ports: [27017, 27018, 27019] } as const;
    expect(await runCheck(check, view({ processes: [proc(27017), proc(27018)] }))).toEqual({
      passed: false,
      reason: '2 of 3 members are running; start the one on port 27019.',
    });
    expect(await runCheck(check, view({ processes: [proc(27017)] }))).toMatchObject({ reason: '1 of 3 members is running; start the ones on ports 27018 and 27019.' });
    expect(await runCheck(check, view({ processes: [proc(27017), proc(27018), proc(27019, { replSetName: null })] }))).toMatchObject({
      reason: expect.stringContaining('without --replSet'),
    });
    expect((await runCheck(check, view({ processes: [proc(27017), proc(27018), proc(27019, { running: false })] }))).passed).toBe(false);
    expect(await runCheck(check, view({ processes: [proc(27017), proc(27018), proc(27019)] }))).toEqual({ passed: true });
    expect(await runCheck({ ...check, ports: [27017] }, view({ processes: [] }))).toMatchObject({ reason: 'The member on port 27017 is not running yet; start it.' });
  });

  it('names a mongod started on a port the step does not ask for (a typo such as 2701)', async () => {
    const check = { kind: 'membersRunning', replSetName: 'foo', ports: [27017] } as const;
    expect(await runCheck(check, view({ processes: [proc(2701, { replSetName: null })] }))).toMatchObject({
      reason: 'The member on port 27017 is not running yet (the mongod you started listens on port 2701, which this step does not use); start it.',
    });
  });

  it('says which member was killed when it was not the primary, and where the primary is', async () => {
    const secondaryKilled = proc(27018, { running: false, killed: { at: 100, signal: 'SIGKILL', stateThen: 'SECONDARY', termThen: 1 } });
    const primary = { ...member('morton.local:27017', 'PRIMARY'), pid: 3459 };
    const cluster = { at: 0, speed: 1, paused: false, setName: 'foo', members: [primary, member('morton.local:27018', 'DOWN'), member('morton.local:27019', 'SECONDARY')], links: [] };
    expect(await runCheck({ kind: 'primaryKilled' }, view({ processes: [proc(27017), secondaryKilled, proc(27019)], cluster }))).toEqual({
      passed: false,
      reason: 'That was the member on port 27018, a SECONDARY; the primary is on port 27017 (PID 3459). Kill that one.',
    });
  });

  it('says no member can be elected while fewer than a majority of the voters run (Replica Set Elections: a majority of votes)', async () => {
    const killedPrimary = proc(27017, { running: false, killed: { at: 200, signal: 'SIGKILL', stateThen: 'PRIMARY', termThen: 1 } });
    const killedSecondary = proc(27018, { running: false, killed: { at: 100, signal: 'SIGKILL', stateThen: 'SECONDARY', termThen: 1 } });
    const down = (host: string) => ({ ...member(host, 'DOWN'), process: 'killed' as const });
    const oneLeft = { at: 0, speed: 1, paused: false, setName: 'foo', members: [down('morton.local:27017'), down('morton.local:27018'), member('morton.local:27019', 'SECONDARY')], links: [] };
    const processes = [killedPrimary, killedSecondary, proc(27019)];
    const reason = 'Only 1 of 3 voting members is running, and an election needs 2 votes: no member can become primary. Restart the ones on ports 27017 and 27018 (restart on their cards, or their mongod lines).';
    expect(await runCheck({ kind: 'newPrimaryElected' }, view({ processes, cluster: oneLeft }))).toEqual({ passed: false, reason });
    expect(await runCheck({ kind: 'operationAfterFailover', operation: 'read', api: 'Connection' }, view({ processes, cluster: oneLeft }))).toEqual({ passed: false, reason });
    // Two of three running: the election only has to happen.
    const twoLeft = { ...oneLeft, members: [down('morton.local:27017'), member('morton.local:27018', 'SECONDARY'), member('morton.local:27019', 'SECONDARY')] };
    expect(await runCheck({ kind: 'newPrimaryElected' }, view({ processes: [killedPrimary, proc(27018), proc(27019)], cluster: twoLeft }))).toMatchObject({
      reason: expect.stringContaining('No new primary yet'),
    });
  });

  it('wants one primary and enough secondaries for a healthy set', async () => {
    const check = { kind: 'setHealthy', secondaries: 2 } as const;
    const cluster = (states: Array<'PRIMARY' | 'SECONDARY' | 'STARTUP2'>) => ({
      at: 0,
      speed: 1,
      paused: false,
      setName: 'foo',
      members: states.map((s, i) => member(`morton.local:${27017 + i}`, s)),
      links: [],
    });
    expect(await runCheck(check, view({ cluster: cluster(['SECONDARY', 'SECONDARY', 'SECONDARY']) }))).toMatchObject({ reason: expect.stringContaining('No primary yet (3 secondaries)') });
    expect(await runCheck(check, view({ cluster: cluster(['SECONDARY', 'STARTUP2', 'STARTUP2']) }))).toMatchObject({ reason: expect.stringContaining('(1 secondary)') });
    expect(await runCheck(check, view({ cluster: cluster(['PRIMARY', 'SECONDARY', 'STARTUP2']) }))).toMatchObject({ reason: expect.stringContaining('1 of 2') });
    expect((await runCheck(check, view({ cluster: cluster(['PRIMARY', 'SECONDARY', 'SECONDARY']) }))).passed).toBe(true);
  });

  it('follows a failover: kill, error, election, read on the new primary', async () => {
    const killed = proc(27017, { running: false, killed: { at: 100, signal: 'SIGTERM', stateThen: 'PRIMARY', termThen: 1 } });
    const beforeElection = {
      at: 0,
      speed: 1,
      paused: false,
      setName: 'foo',
      members: [member('morton.local:27017', 'DOWN', 1), member('morton.local:27018', 'SECONDARY', 1), member('morton.local:27019', 'SECONDARY', 1)],
      links: [],
    };
    const afterElection = { ...beforeElection, members: [beforeElection.members[0]!, member('morton.local:27018', 'PRIMARY', 2), beforeElection.members[2]!] };
    const errorRead = { at: 150, finishedAt: 160, tab: 't2', language: 'python' as const, input: 'db.test.find_one()', ok: false, errorName: 'AutoReconnect', operation: { kind: 'read' as const, client: 'c1', servedBy: null } };
    const goodRead = { at: 12_000, finishedAt: 12_010, tab: 't2', language: 'python' as const, input: 'db.test.find_one()', ok: true, operation: { kind: 'read' as const, client: 'c1', servedBy: 'morton.local:27018' } };
    const clients = [{ id: 'c1', api: 'Connection' as const, seeds: ['morton.local:27017'], directConnection: false, createdAt: 0, knownMembers: [], primary: null, closed: false }];

    expect((await runCheck({ kind: 'primaryKilled' }, view({ processes: [proc(27017)] }))).passed).toBe(false);
    expect((await runCheck({ kind: 'primaryKilled' }, view({ processes: [killed] }))).passed).toBe(true);
    expect((await runCheck({ kind: 'errorAfterKill', errorNames: failoverErrors }, view({ processes: [killed] }))).passed).toBe(false);
    expect((await runCheck({ kind: 'errorAfterKill', errorNames: failoverErrors }, view({ processes: [killed], shellHistory: [errorRead] }))).passed).toBe(true);
    expect(await runCheck({ kind: 'newPrimaryElected' }, view({ processes: [killed], cluster: beforeElection }))).toMatchObject({ reason: expect.stringContaining('No new primary') });
    expect((await runCheck({ kind: 'newPrimaryElected' }, view({ processes: [killed], cluster: afterElection }))).passed).toBe(true);
    const read = { kind: 'operationAfterFailover', operation: 'read', api: 'Connection' } as const;
    expect((await runCheck(read, view({ processes: [killed], cluster: afterElection, clients, shellHistory: [errorRead] }))).passed).toBe(false);
    expect((await runCheck(read, view({ processes: [killed], cluster: afterElection, clients, shellHistory: [errorRead, goodRead] }))).passed).toBe(true);
    const strict = { kind: 'operationAfterFailover', operation: 'read', withoutError: true } as const;
    expect((await runCheck(strict, view({ processes: [killed], cluster: afterElection, clients, shellHistory: [errorRead, goodRead] }))).passed).toBe(false);
    expect((await runCheck(strict, view({ processes: [killed], cluster: afterElection, clients, shellHistory: [goodRead] }))).passed).toBe(true);

    // Today's MongoClient: only a client that was connected when the primary died shows the wait.
    const mongoClient = (createdAt: number) => [{ ...clients[0]!, id: 'm1', api: 'MongoClient' as const, createdAt }];
    const clientRead = { ...goodRead, at: 12_500, operation: { ...goodRead.operation, client: 'm1' } };
    const ridesOut = { kind: 'operationAfterFailover', operation: 'read', api: 'MongoClient', withoutError: true, openedBeforeKill: true } as const;
    expect(await runCheck(ridesOut, view({ processes: [killed], cluster: afterElection, clients: mongoClient(11_000), shellHistory: [clientRead] }))).toMatchObject({
      reason: expect.stringContaining('Kill the primary while MongoClient is connected'),
    });
    expect((await runCheck(ridesOut, view({ processes: [killed], cluster: afterElection, clients: mongoClient(50), shellHistory: [clientRead] }))).passed).toBe(true);
  });

  it('finds a document on the primary by field', async () => {
    const cluster = { at: 0, speed: 1, paused: false, setName: 'foo', members: [member('morton.local:27017', 'PRIMARY')], links: [] };
    const check = { kind: 'documentOnPrimary', ns: 'test.test', field: 'x', value: 1 } as const;
    const saved = { at: 10, finishedAt: 20, tab: 't2', language: 'python' as const, input: 'db.test.save({"x": 1})', ok: true, operation: { kind: 'write' as const, client: 'c1', servedBy: 'morton.local:27017' } };
    expect((await runCheck(check, view({ cluster, shellHistory: [saved], data: { 'morton.local:27017': { 'test.test': [{ x: 2 }] } } }))).passed).toBe(false);
    expect((await runCheck(check, view({ cluster, shellHistory: [saved], data: { 'morton.local:27017': { 'test.test': [{ x: 1 }] } } }))).passed).toBe(true);
    // The document is there, but the learner wrote nothing in this step (an earlier lesson left it).
    expect((await runCheck(check, view({ cluster, data: { 'morton.local:27017': { 'test.test': [{ x: 1 }] } } }))).passed).toBe(false);
    expect((await runCheck(check, view({ cluster, shellHistory: [saved], stepMark: mark({ seq: 2 }), data: { 'morton.local:27017': { 'test.test': [{ x: 1 }] } } }))).passed).toBe(false);
  });

  it('passes a partition only when the isolated primary stepped down and the majority elected', async () => {
    const partitions = [{ at: 0, groups: [['a:1'], ['b:1', 'c:1']], healedAt: null, termThen: 1 }];
    const cluster = (members: ReturnType<typeof member>[]) => ({ at: 0, speed: 1, paused: false, setName: 'foo', members, links: [] });
    const check = { kind: 'steppedDownWhilePartitioned' } as const;
    expect((await runCheck(check, view({ cluster: cluster([member('a:1', 'PRIMARY', 1)]) }))).passed).toBe(false);
    expect(await runCheck(check, view({ partitions, cluster: cluster([member('a:1', 'PRIMARY', 1), member('b:1', 'PRIMARY', 2)]) }))).toMatchObject({
      reason: expect.stringContaining('a:1 still believes'),
    });
    expect(await runCheck(check, view({ partitions, cluster: cluster([member('a:1', 'SECONDARY', 1), member('b:1', 'SECONDARY', 1)]) }))).toMatchObject({
      reason: expect.stringContaining('No primary on the majority side'),
    });
    expect((await runCheck(check, view({ partitions, cluster: cluster([member('a:1', 'SECONDARY', 2), member('b:1', 'PRIMARY', 2)]) }))).passed).toBe(true);
  });

  it('counts asking a client who the primary is, not a mongod command line that names the port', async () => {
    const cluster = { at: 0, speed: 1, paused: false, setName: 'foo', members: [member('morton.local:27018', 'PRIMARY')], links: [] };
    const line = (language: 'bash' | 'python', input: string, value: string) => ({ at: 1, finishedAt: 1, tab: 't1', language, input, ok: true, value });
    const check = { kind: 'askedWhoIsPrimary', afterFailover: false } as const;
    const bash = line('bash', 'mongod --port 27018 --dbpath /data/db1 --replSet foo', 'mongod 4242 is listening on port 27018');
    expect((await runCheck(check, view({ cluster, shellHistory: [bash] }))).passed).toBe(false);
    const wrong = line('python', 'db.connection.port', '27017\n');
    expect((await runCheck(check, view({ cluster, shellHistory: [bash, wrong] }))).passed).toBe(false);
    const right = line('python', 'db.connection.port', '27018\n');
    expect((await runCheck(check, view({ cluster, shellHistory: [right] }))).passed).toBe(true);
  });

  // "Replica Set Oplog": a member can catch up only while some source's oplog still holds the
  // entries after its last one; our check reads each running member's oldest entry.
  it('wants every other member\'s oplog to start after the stopped member stopped', async () => {
    const check = { kind: 'oplogRolledPast', port: 27019 } as const;
    const stopped = proc(27019, { running: false, killed: { at: 100_000, signal: 'SIGTERM', stateThen: 'SECONDARY', termThen: 1 } });
    const cluster = {
      at: 0,
      speed: 1,
      paused: false,
      setName: 'foo',
      members: [member('morton.local:27017', 'PRIMARY'), member('morton.local:27018', 'SECONDARY'), { ...member('morton.local:27019', 'DOWN'), process: 'killed' as const }],
      links: [],
    };
    const oplog = (seconds: number) => [{ ts: new Timestamp({ t: seconds, i: 1 }), op: 'n' }];
    const data = (a: number, b: number) => ({ 'morton.local:27017': { 'local.oplog.rs': oplog(a) }, 'morton.local:27018': { 'local.oplog.rs': oplog(b) } });
    expect(await runCheck(check, view({ processes: [proc(27019)], cluster }))).toMatchObject({ reason: 'Stop the member on port 27019 first.' });
    expect(await runCheck(check, view({ processes: [stopped], cluster, data: data(90, 90) }))).toMatchObject({ reason: expect.stringContaining("morton.local:27017's oplog still reaches back") });
    // The primary rolled over but 27018 still holds the entries: 27019 could catch up from it.
    expect(await runCheck(check, view({ processes: [stopped], cluster, data: data(101, 100) }))).toMatchObject({ reason: expect.stringContaining("morton.local:27018's oplog") });
    expect(await runCheck(check, view({ processes: [stopped], cluster, data: data(101, 102) }))).toEqual({ passed: true });
    // A stop from before the lesson does not count.
    expect((await runCheck(check, view({ processes: [stopped], cluster, data: data(101, 102), lessonMark: mark({ killedPids: new Set([stopped.pid]) }) }))).passed).toBe(false);
  });

  it('wants the member started in this step, in the state asked for', async () => {
    const check = { kind: 'memberStarted', port: 27019, state: 'RECOVERING' } as const;
    const cluster = (state: 'SECONDARY' | 'RECOVERING') => ({ at: 0, speed: 1, paused: false, setName: 'foo', members: [member('morton.local:27019', state)], links: [] });
    const running = proc(27019);
    expect(await runCheck(check, view({ processes: [running], cluster: cluster('RECOVERING'), stepMark: mark({ pids: new Set([running.pid]) }) }))).toMatchObject({ reason: 'Start the member on port 27019 again.' });
    expect(await runCheck(check, view({ processes: [], cluster: cluster('RECOVERING') }))).toMatchObject({ reason: 'Start the member on port 27019.' });
    expect(await runCheck(check, view({ processes: [running], cluster: cluster('SECONDARY') }))).toMatchObject({ reason: 'The member on port 27019 is SECONDARY; wait until it is RECOVERING.' });
    expect(await runCheck(check, view({ processes: [running], cluster: cluster('RECOVERING') }))).toEqual({ passed: true });
  });

  it('compares a member\'s documents with the primary\'s by _id', async () => {
    const check = { kind: 'sameDocuments', port: 27019, ns: 'test.big' } as const;
    const cluster = { at: 0, speed: 1, paused: false, setName: 'foo', members: [member('morton.local:27017', 'PRIMARY'), member('morton.local:27019', 'SECONDARY')], links: [] };
    const docs = (...ids: number[]) => ids.map((_id) => ({ _id, s: 'x' }));
    const data = (theirs: number[]) => ({ 'morton.local:27017': { 'test.big': docs(1, 2, 3) }, 'morton.local:27019': { 'test.big': docs(...theirs) } });
    expect(await runCheck(check, view({ cluster, data: data([]) }))).toMatchObject({ reason: "The member on port 27019 has 0 of the primary's 3 documents in test.big." });
    expect(await runCheck(check, view({ cluster, data: data([1, 2, 4]) }))).toMatchObject({ reason: expect.stringContaining('(and 1 the primary does not have)') });
    expect(await runCheck(check, view({ cluster, data: data([3, 1, 2]) }))).toEqual({ passed: true });
    expect(await runCheck(check, view({ cluster: { ...cluster, members: [cluster.members[1]!] }, data: data([1, 2, 3]) }))).toMatchObject({ reason: 'There is no primary right now.' });
  });
});
