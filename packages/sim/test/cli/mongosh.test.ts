import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, killAll, startSimMongod, waitForOutput } from './spawn';

/** mongosh (the npm package, as a process) drives a three-member sim-mongod set. */

const MONGOSH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/.bin/mongosh');
const children: ChildProcess[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-mongod-sh-'));
afterEach(() => killAll(children));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('mongosh against sim-mongod', () => {
  it('rs.initiate, rs.status with one PRIMARY and two SECONDARY, rs.conf, insertOne and findOne', { timeout: 120_000 }, async () => {
    const ports = await startThree('db', 'foo');
    const members = ports.map((p, i) => `{_id: ${i}, host: '${host}:${p}'}`).join(', ');
    const script = `
      const r = rs.initiate({_id: 'foo', members: [${members}], settings: {electionTimeoutMillis: 1000}});
      print('INITIATE ' + r.ok);
      let states = [];
      for (let i = 0; i < 150; i++) {
        states = rs.status().members.map((m) => m.stateStr).sort();
        if (states.join(',') === 'PRIMARY,SECONDARY,SECONDARY') break;
        sleep(200);
      }
      print('STATES ' + states.join(','));
      print('CONF ' + rs.conf().members.length + ' ' + rs.conf()._id);
    `;
    const first = await runMongosh(`mongodb://${host}:${ports[0]}/`, script);
    expect(first.out, first.out).toContain('INITIATE 1');
    expect(first.out).toContain('STATES PRIMARY,SECONDARY,SECONDARY');
    expect(first.out).toContain('CONF 3 foo');
    const second = await runMongosh(
      `mongodb://${ports.map((p) => `${host}:${p}`).join(',')}/test?replicaSet=foo`,
      `db.test.insertOne({walkthrough: true}); const d = db.test.findOne(); print('FOUND ' + d.walkthrough + ' ' + (d._id !== undefined));`,
    );
    expect(second.out, second.out).toContain('FOUND true true');
    expect(second.code).toBe(0);
  });

  it('rs.syncFrom on a secondary: replSetSyncFrom answers syncFromRequested and the member then syncs from it (the manual, rs.syncFrom)', { timeout: 120_000 }, async () => {
    const ports = await startThree('sf', 'sf');
    const members = ports.map((p, i) => `{_id: ${i}, host: '${host}:${p}', priority: ${i === 0 ? 2 : 1}}`).join(', ');
    const init = await runMongosh(
      `mongodb://${host}:${ports[0]}/`,
      `rs.initiate({_id: 'sf', members: [${members}], settings: {electionTimeoutMillis: 1000}});
       for (let i = 0; i < 150 && rs.status().members.map((m) => m.stateStr).sort().join(',') !== 'PRIMARY,SECONDARY,SECONDARY'; i++) sleep(200);
       print('READY ' + rs.status().members.map((m) => m.stateStr).sort().join(','));`,
    );
    expect(init.out, init.out).toContain('READY PRIMARY,SECONDARY,SECONDARY');
    const target = `${host}:${ports[2]}`;
    const run = await runMongosh(
      `mongodb://${host}:${ports[1]}/?directConnection=true`,
      `const r = rs.syncFrom('${target}');
       print('SYNCFROM ' + r.ok + ' ' + r.syncFromRequested);
       let src = '';
       for (let i = 0; i < 100 && src !== '${target}'; i++) { sleep(200); src = rs.status().syncSourceHost; }
       print('SOURCE ' + src);
       try { rs.syncFrom('${host}:${ports[1]}'); } catch (e) { print('SELF ' + e.codeName + ' ' + e.message); }`,
    );
    expect(run.out, run.out).toContain(`SYNCFROM 1 ${target}`);
    expect(run.out).toContain(`SOURCE ${target}`);
    expect(run.out).toContain('SELF InvalidOptions I cannot sync from myself');
  });

  it("rs.printReplicationInfo() reports --oplogSize as the configured size, follows replSetResizeOplog, and keeps it over a restart with another --oplogSize", { timeout: 120_000 }, async () => {
    // mongosh's db.getReplicationInfo(): listCollections on local, $collStats storageStats on
    // local.oplog.rs (maxSize, size) and its first and last entries by $natural.
    const port = await freePort();
    const dbpath = path.join(tmp, 'oplog5');
    fs.mkdirSync(dbpath);
    const proc = startSimMongod(['--port', String(port), '--dbpath', dbpath, '--replSet', 'small', '--bind_ip', host, '--oplogSize', '5'], children);
    await waitForOutput(proc, 'Waiting for connections');
    const script = `
      rs.initiate({_id: 'small', members: [{_id: 0, host: '${host}:${port}'}]});
      for (let i = 0; i < 100 && !db.hello().isWritablePrimary; i++) sleep(100);
      db.t.insertOne({x: 1});
      const info = db.getReplicationInfo();
      print('CONFIGURED ' + info.configuredLogSizeMB + ' USED ' + (info.usedMB > 0) + ' FIRST ' + (typeof info.tFirst) + ' LAST ' + (typeof info.tLast));
      print('RESIZE ' + db.adminCommand({replSetResizeOplog: 1, size: Double(2000)}).ok);
      rs.printReplicationInfo();
    `;
    const run = await runMongosh(`mongodb://${host}:${port}/?directConnection=true`, script);
    expect(run.out, run.out).toContain('CONFIGURED 5 USED true FIRST string LAST string');
    expect(run.out).toContain('RESIZE 1');
    expect(run.out).toMatch(/configured oplog size\n'2000 MB'\n---\nlog length start to end\n'\d+ secs \([\d.]+ hrs\)'\n---\noplog first event time\n'.+'\n---\noplog last event time\n'.+'\n---\nnow\n'.+'/);
    expect(run.code).toBe(0);
    // mongod keeps the oplog's size (as created, or resized) in its data files: a restart with
    // another --oplogSize does not change it (manual: --oplogSize).
    proc.child.kill('SIGTERM');
    await proc.exit;
    const again = startSimMongod(['--port', String(port), '--dbpath', dbpath, '--replSet', 'small', '--bind_ip', host, '--oplogSize', '50'], children);
    await waitForOutput(again, 'Waiting for connections');
    const after = await runMongosh(
      `mongodb://${host}:${port}/?directConnection=true`,
      `for (let i = 0; i < 100 && !db.hello().isWritablePrimary; i++) sleep(100); print('CONFIGURED ' + db.getReplicationInfo().configuredLogSizeMB);`,
    );
    expect(after.out, after.out).toContain('CONFIGURED 2000');
  });

  it('rs.status() shows electionCandidateMetrics on the primary and electionParticipantMetrics on a voter, and lastStableRecoveryTimestamp (replication_metrics.idl, prepareStatusResponse)', { timeout: 120_000 }, async () => {
    const ports = await startThree('em', 'em');
    const members = ports.map((p, i) => `{_id: ${i}, host: '${host}:${p}'}`).join(', ');
    const init = await runMongosh(
      `mongodb://${host}:${ports[0]}/`,
      `rs.initiate({_id: 'em', members: [${members}], settings: {electionTimeoutMillis: 1000}});
       for (let i = 0; i < 150 && rs.status().members.map((m) => m.stateStr).sort().join(',') !== 'PRIMARY,SECONDARY,SECONDARY'; i++) sleep(200);
       print('READY ' + rs.status().members.map((m) => m.stateStr).sort().join(','));`,
    );
    expect(init.out, init.out).toContain('READY PRIMARY,SECONDARY,SECONDARY');
    const lines: string[] = [];
    for (const port of ports) {
      const run = await runMongosh(
        `mongodb://${host}:${port}/?directConnection=true`,
        `let s = rs.status();
         for (let i = 0; i < 50 && s.myState === 1 && !(s.electionCandidateMetrics && s.electionCandidateMetrics.wMajorityWriteAvailabilityDate); i++) { sleep(200); s = rs.status(); }
         if (s.myState === 1) {
           const m = s.electionCandidateMetrics;
           print('CANDIDATE ' + m.lastElectionReason + ' term=' + m.electionTerm + ' votes=' + m.numVotesNeeded + ' priority=' + m.priorityAtElection + ' timeout=' + m.electionTimeoutMillis + ' catchUpOps=' + m.numCatchUpOps + ' dates=' + (m.newTermStartDate instanceof Date) + (m.wMajorityWriteAvailabilityDate instanceof Date) + ' participant=' + (s.electionParticipantMetrics !== undefined));
         } else {
           const p = s.electionParticipantMetrics;
           print('PARTICIPANT ' + p.votedForCandidate + ' term=' + p.electionTerm + ' reason="' + p.voteReason + '" candidateMetrics=' + (s.electionCandidateMetrics !== undefined));
         }
         print('STABLE ' + (s.lastStableRecoveryTimestamp instanceof Timestamp) + ' ' + Object.keys(s).indexOf('lastStableRecoveryTimestamp') + '=' + (Object.keys(s).indexOf('optimes') + 1));`,
      );
      lines.push(run.out);
    }
    const out = lines.join('\n');
    expect(out.match(/^CANDIDATE .*/gm), out).toEqual(['CANDIDATE electionTimeout term=1 votes=2 priority=1 timeout=1000 catchUpOps=0 dates=truetrue participant=false']);
    // A voter's metrics are of the last real vote request it answered (replication_coordinator_impl.cpp
    // processReplSetRequestVotes): with a 1 s election timeout two members may stand in term 1 at once,
    // so a voter may show its refusal of the loser, with the reason, after granting the winner.
    const participants = out.match(/^PARTICIPANT .*/gm) ?? [];
    expect(participants, out).toHaveLength(2);
    for (const line of participants) expect(line, out).toMatch(/^PARTICIPANT (true term=1 reason=""|false term=1 reason="[^"]+") candidateMetrics=false$/);
    expect(out.match(/^STABLE .*/gm)?.every((l) => /^STABLE true (\d+)=\1$/.test(l)), out).toBe(true);
  });

  it("db.adminCommand({getDefaultRWConcern: 1}) on a secondary after setDefaultRWConcern, and db.serverStatus().connections (rwc_defaults_commands.cpp; manual serverStatus)", { timeout: 120_000 }, async () => {
    const ports = await startThree('rw', 'rw');
    const members = ports.map((p, i) => `{_id: ${i}, host: '${host}:${p}', priority: ${i === 0 ? 2 : 1}}`).join(', ');
    const init = await runMongosh(
      `mongodb://${host}:${ports[0]}/`,
      `rs.initiate({_id: 'rw', members: [${members}], settings: {electionTimeoutMillis: 1000}});
       for (let i = 0; i < 150 && !db.hello().isWritablePrimary; i++) sleep(200);
       const r = db.adminCommand({setDefaultRWConcern: 1, defaultWriteConcern: {w: 'majority', wtimeout: 3000}});
       print('SET ' + r.ok + ' ' + r.defaultWriteConcernSource);`,
    );
    expect(init.out, init.out).toContain('SET 1 global');
    const run = await runMongosh(
      `mongodb://${host}:${ports[1]}/?directConnection=true`,
      `let d = db.adminCommand({getDefaultRWConcern: 1});
       for (let i = 0; i < 50 && d.defaultWriteConcernSource !== 'global'; i++) { sleep(200); d = db.adminCommand({getDefaultRWConcern: 1}); }
       print('DEFAULTS ' + d.defaultWriteConcern.w + ' ' + d.defaultWriteConcern.wtimeout + ' ' + d.defaultWriteConcernSource + ' ' + d.defaultReadConcern.level + ' ' + d.defaultReadConcernSource);
       const c = db.serverStatus().connections;
       print('CONNECTIONS ' + Object.keys(c).join(',') + ' ' + (c.current >= 1) + ' ' + (c.available + c.current) + ' ' + (c.totalCreated >= c.current));`,
    );
    expect(run.out, run.out).toContain('DEFAULTS majority 3000 global local implicit');
    expect(run.out).toContain('CONNECTIONS current,available,totalCreated,rejected,active,exhaustIsMaster,exhaustHello,awaitingTopologyChanges true 1000 true');
    expect(run.code).toBe(0);
  });
});

const host = '127.0.0.1';

/** Three sim-mongod processes of set `setName` (dbpaths `<prefix>0..2`), listening: their ports. */
async function startThree(prefix: string, setName: string): Promise<number[]> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const procs = ports.map((port, i) => {
    const dbpath = path.join(tmp, `${prefix}${i}`);
    fs.mkdirSync(dbpath);
    return startSimMongod(['--port', String(port), '--dbpath', dbpath, '--replSet', setName, '--bind_ip', host], children);
  });
  await Promise.all(procs.map((p) => waitForOutput(p, 'Waiting for connections')));
  return ports;
}

async function runMongosh(uri: string, script: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(MONGOSH, ['--quiet', uri, '--eval', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MONGOSH_NO_TELEMETRY: '1', HOME: tmp },
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, out };
}
