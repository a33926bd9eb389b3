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

  it("the admin helpers as mongod 7.0 answers them: db.serverStatus() sections, db.currentOp()/db.killOp(), db.hostInfo() and mem of the real process, db.setLogLevel/getLogComponents, replication info (curop.cpp, killop_cmd.cpp, server_status.cpp, processinfo_linux.cpp)", { timeout: 150_000 }, async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const procs = ports.map((port, i) => {
      const dbpath = path.join(tmp, `adm${i}`);
      fs.mkdirSync(dbpath);
      return startSimMongod(['--port', String(port), '--dbpath', dbpath, '--replSet', 'adm', '--bind_ip', host, '--setParameter', 'enableTestCommands=1'], children);
    });
    await Promise.all(procs.map((p) => waitForOutput(p, 'Waiting for connections')));
    const members = ports.map((p, i) => `{_id: ${i}, host: '${host}:${p}', priority: ${i === 0 ? 2 : 1}}`).join(', ');
    const init = await runMongosh(
      `mongodb://${host}:${ports[0]}/`,
      `rs.initiate({_id: 'adm', members: [${members}], settings: {electionTimeoutMillis: 1000}});
       for (let i = 0; i < 150 && rs.status().members.map((m) => m.stateStr).sort().join(',') !== 'PRIMARY,SECONDARY,SECONDARY'; i++) sleep(200);
       print('READY ' + rs.status().members.map((m) => m.stateStr).sort().join(','));`,
    );
    expect(init.out, init.out).toContain('READY PRIMARY,SECONDARY,SECONDARY');
    const primary = `mongodb://${host}:${ports[0]}/shop?directConnection=true`;
    const run = await runMongosh(
      primary,
      `const before = db.serverStatus();
       db.orders.insertMany([{_id: 1}, {_id: 2}, {_id: 3}], {writeConcern: {w: 3}});
       db.orders.updateOne({_id: 1}, {$set: {paid: true}});
       const s = db.serverStatus({repl: 1});
       print('SECTIONS ' + ['asserts', 'connections', 'electionMetrics', 'locks', 'mem', 'metrics', 'network', 'opLatencies', 'opcounters', 'opcountersRepl', 'repl', 'storageEngine', 'transactions'].filter((k) => k in s).length);
       print('OPCOUNTERS ' + (s.opcounters.insert - before.opcounters.insert) + ' ' + (s.opcounters.update - before.opcounters.update));
       print('DOCUMENT ' + (s.metrics.document.inserted - before.metrics.document.inserted) + ' ' + (s.metrics.commands.insert.total - (before.metrics.commands.insert ? before.metrics.commands.insert.total : 0)));
       print('LATENCY ' + (s.opLatencies.writes.ops - before.opLatencies.writes.ops) + ' ' + (Number(s.opLatencies.writes.latency) > Number(before.opLatencies.writes.latency)));
       // The counters are NumberLongs, as mongod's: compared as numbers (> on two Longs compares their strings).
       print('NETWORK ' + (Number(s.network.bytesIn) > Number(before.network.bytesIn)) + ' ' + (Number(s.network.numRequests) > Number(before.network.numRequests)));
       print('MEM ' + s.mem.supported + ' ' + s.mem.resident + ' PID ' + s.pid);
       print('ENGINE ' + s.storageEngine.name + ' ' + s.storageEngine.persistent);
       print('PROGRESS ' + s.repl.replicationProgress.map((p) => p.memberId).join(','));
       const h = db.hostInfo();
       print('HOST ' + h.system.hostname + ' ' + h.system.memSizeMB + ' ' + h.system.numCores + ' ' + h.os.type + ' ' + h.os.version);
       db.setLogLevel(1, 'replication.heartbeats');
       const lc = db.getLogComponents();
       print('LOGCOMPONENTS ' + lc.verbosity + ' ' + lc.replication.verbosity + ' ' + lc.replication.heartbeats.verbosity);
       print('VERSION ' + db.version() + ' ISMASTER ' + db.isMaster().ismaster);
       print('STATS ' + db.orders.stats().count + ' ' + db.stats().objects + ' ' + db.orders.aggregate([{$collStats: {latencyStats: {}}}]).toArray()[0].latencyStats.writes.ops);
       const info = db.getReplicationInfo();
       print('REPLINFO ' + info.logSizeMB + ' ' + (typeof info.tLast));
       print('LOG ' + (db.adminCommand({getLog: 'global'}).log.length > 0) + ' ' + db.adminCommand({getCmdLineOpts: 1}).argv.includes('--replSet'));
       print('RSSTATUS ' + rs.status().members.filter((m) => m.optime && m.optimeDate instanceof Date).length + ' ' + rs.conf().members.length);
       rs.printSecondaryReplicationInfo();`,
    );
    expect(run.out, run.out).toContain('SECTIONS 13');
    expect(run.out).toContain('OPCOUNTERS 3 1');
    expect(run.out).toContain('DOCUMENT 3 1');
    expect(run.out).toContain('LATENCY 2 true');
    expect(run.out).toContain('NETWORK true true');
    expect(run.out).toContain('ENGINE wiredTiger true');
    expect(run.out).toContain('PROGRESS 0,1,2');
    expect(run.out).toContain('LOGCOMPONENTS 0 -1 1');
    expect(run.out).toContain('VERSION 7.0.14 ISMASTER true');
    expect(run.out).toContain('STATS 3 3 2');
    expect(run.out).toContain('REPLINFO 990 string');
    expect(run.out).toContain('LOG true true');
    expect(run.out).toContain('RSSTATUS 3 3');
    expect(run.out).toMatch(/source: 127\.0\.0\.1:\d+\n\{\n {2}syncedTo: '.+',\n {2}replLag: '\d+ secs \([\d.]+ hrs\) behind the primary '\n\}/);
    // mem and hostInfo are this sim-mongod process's and this machine's own figures.
    const mem = /MEM true (\d+) PID (\d+)/.exec(run.out);
    expect(mem, run.out).not.toBeNull();
    expect(Number(mem![2])).toBe(procs[0]!.child.pid);
    const rssMiB = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${procs[0]!.child.pid}/status`, 'utf8'))![1]) / 1024;
    expect(Math.abs(Number(mem![1]) - rssMiB)).toBeLessThan(40);
    expect(run.out).toContain(`HOST ${os.hostname()}:${ports[0]} ${Math.floor(os.totalmem() / 1024 / 1024)} ${os.availableParallelism()} ${os.type()} ${os.release()}`);

    // A find held by failCommand's blockConnection shows in db.currentOp(); db.killOp() ends it with Interrupted.
    const block = await runMongosh(primary, `print('BLOCK ' + db.adminCommand({configureFailPoint: 'failCommand', mode: 'alwaysOn', data: {failCommands: ['find'], blockConnection: true, blockTimeMS: 60000, appName: 'slowReport'}}).ok);`);
    expect(block.out, block.out).toContain('BLOCK 1');
    const slow = runMongosh(`mongodb://${host}:${ports[0]}/shop?directConnection=true&appName=slowReport`, `try { db.orders.find({paid: true}).toArray(); print('FINISHED'); } catch (e) { print('SLOW ' + e.codeName + ' ' + e.message); }`);
    const killer = await runMongosh(
      primary,
      `let ops = [];
       for (let i = 0; i < 100 && ops.length === 0; i++) { sleep(100); ops = db.currentOp({appName: 'slowReport', 'command.find': 'orders'}).inprog; }
       const op = ops[0];
       print('CURRENTOP ' + ops.length + ' ' + op.op + ' ' + op.ns + ' ' + JSON.stringify(op.command.filter) + ' ' + (typeof op.opid) + ' ' + op.active + ' ' + op.desc.startsWith('conn'));
       print('KILL ' + db.killOp(op.opid).info);
       sleep(300);
       print('AFTER ' + db.currentOp({appName: 'slowReport'}).inprog.length);`,
    );
    expect(killer.out, killer.out).toContain('CURRENTOP 1 query shop.orders {"paid":true} number true true');
    expect(killer.out).toContain('KILL attempting to kill op');
    expect(killer.out).toContain('AFTER 0');
    const slowRun = await slow;
    expect(slowRun.out, slowRun.out).toContain('SLOW Interrupted operation was interrupted');
    expect(procs[0]!.stdout).toContain('"id":20482');
  });
});

describe('mongosh db.coll.validate() against a standalone sim-mongod', () => {
  it("db.c.validate(), validate({full: true}), validate({background: true}) and the view and missing-collection errors (validate.cpp, validate_state.cpp)", { timeout: 120_000 }, async () => {
    const port = await freePort();
    const dbpath = path.join(tmp, 'validate');
    fs.mkdirSync(dbpath);
    const proc = startSimMongod(['--port', String(port), '--dbpath', dbpath, '--bind_ip', host], children);
    await waitForOutput(proc, 'Waiting for connections');
    const run = await runMongosh(
      `mongodb://${host}:${port}/test`,
      `db.c.insertMany([{_id: 1, x: 1}, {_id: 2, x: 2}]);
       db.c.createIndex({x: 1});
       const r = db.c.validate();
       print('VALIDATE ' + r.ns + ' ' + r.valid + ' ' + r.nrecords + ' ' + r.nIndexes + ' ' + JSON.stringify(r.keysPerIndex) + ' ' + (r.uuid instanceof UUID));
       const f = db.c.validate({full: true});
       print('FULL ' + f.valid + ' ' + f.errors.length);
       print('BACKGROUND ' + db.c.validate({background: true}).valid);
       try { db.c.validate({full: true, background: true}); } catch (e) { print('BOTH ' + e.code); }
       db.createView('v', 'c', []);
       try { db.v.validate(); } catch (e) { print('VIEW ' + e.code + ' ' + e.message); }
       try { db.nope.validate(); } catch (e) { print('MISSING ' + e.code + ' ' + e.message); }`,
    );
    const lines = [
      'VALIDATE test.c true 2 2 {"_id_":2,"x_1":2} true',
      'FULL true 0',
      'BACKGROUND true',
      'BOTH 72',
      'VIEW 166 Cannot validate a view',
      "MISSING 26 Collection 'test.nope' does not exist to validate.",
    ];
    for (const line of lines) expect(run.out, run.out).toContain(line);
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
