import { EJSON } from 'bson';
import { describe, expect, it } from 'vitest';
import { MongoshWorker, type MongoshBridge, type MongoshFromWorker } from '../../src/mongosh/worker/runMongosh';
import { nodeEnvironment } from '../../src/mongosh/environment/node';

/** The runtime host's side of the bridge, answering at once (runtime-host.md's answer shapes). */
class Bridge implements MongoshBridge {
  interrupted = false;
  readonly requests: Array<{ method: string; params: Record<string, unknown> }> = [];
  slept: number[] = [];
  constructor(private readonly answer: (method: string, params: Record<string, unknown>) => unknown) {}
  rpc(request: string): string {
    const { method, params } = JSON.parse(request) as { method: string; params: Record<string, unknown> };
    const decoded = EJSON.deserialize(params, { relaxed: false }) as Record<string, unknown>;
    this.requests.push({ method, params: decoded });
    if (this.interrupted) return JSON.stringify({ interrupted: true });
    return JSON.stringify(this.answer(method, decoded));
  }
  clearInterrupt(): void {
    this.interrupted = false;
  }
  sleep(seconds: number): boolean {
    this.slept.push(seconds);
    return !this.interrupted;
  }
}

function worker(bridge: Bridge) {
  const posted: MongoshFromWorker[] = [];
  const w = new MongoshWorker(bridge, (message) => posted.push(message), nodeEnvironment());
  const settled = async () => {
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const output = () => posted.filter((m) => m.kind === 'output').map((m) => (m as { data: string }).data).join('');
  return { w, posted, settled, output };
}

const connected = (method: string, params: Record<string, unknown>): unknown => {
  if (method === 'connect') return { ok: true, result: { client: 'c1' } };
  if (method === 'topology') return { ok: true, result: EJSON.serialize({ type: 'Single', setName: 'foo', servers: [{ address: 'morton.local:27018', type: 'RSSecondary' }] }) };
  if (method === 'runCommand') {
    const command = params.command as Record<string, unknown>;
    if (command.buildInfo) return { ok: true, result: EJSON.serialize({ document: { version: '7.0.14', ok: 1 } }, { relaxed: false }) };
    if (command.ping) return { ok: true, result: EJSON.serialize({ document: { ok: 1 } }, { relaxed: false }) };
  }
  return { ok: false, error: { name: 'MongoServerError', message: 'not primary', errmsg: 'not primary', code: 10107, codeName: 'NotWritablePrimary' } };
};

describe('the mongosh worker on the runtime bridge', () => {
  it('starts with mongosh arguments, runs lines, and says when mongosh exits', async () => {
    const { w, posted, settled, output } = worker(new Bridge(connected));
    await w.start(['--port', '27018']);
    expect(posted.find((m) => m.kind === 'ready')).toEqual({ kind: 'ready', prompt: 'foo [direct: secondary] test> ' });
    expect(output()).toContain('Connecting to:\t\tmongodb://127.0.0.1:27018/?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+2.12.0\n');
    w.handle({ kind: 'line', seq: 1, line: 'db.t.insertOne({})' });
    w.handle({ kind: 'line', seq: 2, line: 'exit' });
    await settled();
    expect(output()).toContain('Uncaught \rMongoServerError[NotWritablePrimary]: not primary\n');
    expect(posted.filter((m) => m.kind === 'done')).toEqual([
      { kind: 'done', seq: 1, prompt: 'foo [direct: secondary] test> ', exit: false },
      { kind: 'done', seq: 2, prompt: 'foo [direct: secondary] test> ', exit: true },
    ]);
  });

  it('fails to start the way mongosh fails, with its exit code', async () => {
    const bridge = new Bridge((method) =>
      method === 'connect'
        ? { ok: true, result: { client: 'c1' } }
        : { ok: false, error: { name: 'MongoServerSelectionError', message: 'x', selection: { timeoutMillis: 2000, servers: [{ address: '127.0.0.1:27017', type: 'Unknown', error: { message: 'x', network: 'refused' } }] } } },
    );
    const { w, posted, output } = worker(bridge);
    await w.start([]);
    expect(output()).toMatch(/\nMongoNetworkError: connect ECONNREFUSED 127\.0\.0\.1:27017\n$/);
    expect(posted.at(-1)).toEqual({ kind: 'failed', message: '', exitCode: 1 });
  });

  it("sleeps on the sandbox's clock and stops at Ctrl-C", async () => {
    const bridge = new Bridge(connected);
    const { w, settled, output } = worker(bridge);
    await w.start(['--nodb', '--quiet']);
    w.handle({ kind: 'line', seq: 1, line: 'sleep(1500); print("woke")' });
    await settled();
    expect(bridge.slept).toEqual([1.5]);
    expect(output()).toContain('woke\n');
    bridge.interrupted = true;
    // The bridge saw Ctrl-C before the line started: a new line clears it, as the host expects.
    w.handle({ kind: 'line', seq: 2, line: 'print("next")' });
    await settled();
    expect(output()).toContain('next\n');
  });

  it("prints a write concern error's errInfo as mongosh does: the values, not their canonical Extended JSON", async () => {
    // The host sends a server error's reply as canonical EJSON (runtime-host.md, "Errors"); mongosh's
    // driver would hold plain values, so formatError prints `writeConcern: { w: 3, ... }` under
    // "Additional information" (mongosh's format-output, errInfo), never `{ '$numberInt': '3' }`.
    const errInfo = { wtimeout: true, writeConcern: { w: 3, wtimeout: 5000, provenance: 'clientSupplied' } };
    const bridge = new Bridge((method, params) => {
      if (method !== 'insertOne') return connected(method, params);
      const errorResponse = { ok: 1, n: 1, writeConcernError: { code: 64, codeName: 'WriteConcernFailed', errmsg: 'waiting for replication timed out', errInfo }, errInfo, code: 64, codeName: 'WriteConcernFailed', errmsg: 'waiting for replication timed out' };
      return { ok: false, error: { name: 'MongoWriteConcernError', message: 'waiting for replication timed out', errmsg: 'waiting for replication timed out', code: 64, codeName: 'WriteConcernFailed', errorResponse: EJSON.serialize(errorResponse, { relaxed: false }) } };
    });
    const { w, settled, output } = worker(bridge);
    await w.start(['--port', '27018']);
    w.handle({ kind: 'line', seq: 1, line: 'db.test.insertOne({c: 1}, {writeConcern: {w: 3, wtimeout: 5000}})' });
    await settled();
    expect(output()).toContain('MongoWriteConcernError[WriteConcernFailed]: waiting for replication timed out\n');
    expect(output()).toContain("writeConcern: { w: 3, wtimeout: 5000, provenance: 'clientSupplied' }");
    expect(output()).not.toContain('$numberInt');
  });
});
