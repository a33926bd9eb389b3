import { Int32, Long, ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import { MongoshShell, rpcProviders } from '../../src/mongosh/shell';
import { nodeEnvironment } from '../../src/mongosh/environment/node';
import { DriverCallError, type DriverCallFailure, type DriverCalls, type Document } from '../../src/mongosh/rpc/driverCalls';

/**
 * The lab's driver RPC as python-shell's executor answers it (runtime-host.md): named parameters,
 * `{document}`, `{count}`, `{cursor, batch}`... Values come back as the driver returns them with
 * promoteValues off (Int32, Double), so the shell must show them as mongosh does.
 */
class ScriptedRpc implements DriverCalls {
  readonly calls: Array<{ method: string; params: Document }> = [];
  topology = { type: 'Single', setName: 'foo', primary: 'morton.local:27017', servers: [{ address: 'morton.local:27017', type: 'RSPrimary' }] };
  failing = new Map<string, DriverCallFailure>();
  documents: Document[] = [];

  async call(method: string, params: Document): Promise<Document> {
    this.calls.push({ method, params });
    const failure = this.failing.get(method);
    if (failure) throw new DriverCallError(failure);
    switch (method) {
      case 'connect':
        return { client: 'c7' };
      case 'topology':
        return { ...this.topology, servedBy: null };
      case 'runCommand': {
        const command = params.command as Document;
        if (command.buildInfo) return { document: { version: '7.0.14', ok: new Int32(1) } };
        if (command.ping) return { document: { ok: new Int32(1) } };
        if (command.replSetGetStatus) return { document: { set: 'foo', term: Long.fromNumber(3), ok: new Int32(1) } };
        throw new DriverCallError({ name: 'MongoServerError', message: `no such command: '${Object.keys(command)[0]}'`, code: 59, codeName: 'CommandNotFound', errmsg: `no such command: '${Object.keys(command)[0]}'` });
      }
      case 'insertOne': {
        const doc = { _id: new ObjectId('65f1c2d3e4f5a6b7c8d9e001'), ...(params.doc as Document) };
        this.documents.push(doc);
        return { acknowledged: true, insertedId: doc._id, servedBy: 'morton.local:27017' };
      }
      case 'countDocuments':
        return { count: new Int32(this.documents.length) };
      case 'find': {
        const limit = ((params.options as Document).limit as number | undefined) ?? 0;
        const all = this.documents.map((doc) => ({ ...doc, n: new Int32(1), d: 2.5 }));
        const first = limit > 0 ? all.slice(0, limit) : all.slice(0, 2);
        return { cursor: limit > 0 || all.length <= 2 ? null : 'k1', batch: first, ns: `${params.db}.${params.coll}` };
      }
      case 'getMore':
        return { cursor: null, batch: this.documents.slice(2) };
      default:
        throw new DriverCallError({ name: 'RpcInvalid', message: `no driver method '${method}'` });
    }
  }
}

async function start(rpc: ScriptedRpc, argv: string[]) {
  let screen = '';
  const started = await MongoshShell.start(argv, {
    providers: rpcProviders(rpc),
    environment: nodeEnvironment(),
    write: (text) => {
      screen += text;
    },
    logId: () => '6b1126e08c1979c9f37a3704',
  });
  return {
    ...started,
    screen: () => screen,
    run: async (line: string) => {
      const before = screen.length;
      await started.shell!.execute(line);
      return screen.slice(before);
    },
  };
}

describe("mongosh's service provider over the lab's driver RPC", () => {
  it('connects as mongosh does: the URI, a ping, the topology for the prompt, buildInfo for the greeting', async () => {
    const rpc = new ScriptedRpc();
    const sh = await start(rpc, ['mongodb://morton.local:27017/?directConnection=true']);
    expect(rpc.calls[0]).toEqual({
      method: 'connect',
      params: { uri: 'mongodb://morton.local:27017/?directConnection=true&appName=mongosh+2.12.0', options: { directConnection: true }, label: 'mongosh' },
    });
    expect(rpc.calls[1]).toEqual({ method: 'runCommand', params: { client: 'c7', db: 'admin', command: { ping: 1 } } });
    expect(sh.screen()).toContain('Using MongoDB:\t\t7.0.14\n');
    expect(sh.shell!.prompt()).toBe('foo [direct: primary] test> ');
  });

  it('sends writes with their collection and prints what comes back as mongosh does', async () => {
    const rpc = new ScriptedRpc();
    const sh = await start(rpc, ['--quiet', 'mongodb://morton.local:27017/?directConnection=true']);
    expect(await sh.run('db.people.insertOne({name: "Ada"}, {writeConcern: {w: 1}})')).toBe(
      "{\n  acknowledged: true,\n  insertedId: ObjectId('65f1c2d3e4f5a6b7c8d9e001')\n}\n",
    );
    const insert = rpc.calls.find((call) => call.method === 'insertOne')!;
    expect(insert.params).toMatchObject({ client: 'c7', db: 'test', coll: 'people', doc: { name: 'Ada' }, options: { writeConcern: { w: 1 } } });
    // Int32 from the driver prints as a number, a Long stays a Long.
    expect(await sh.run('db.people.countDocuments()')).toBe('1\n');
    expect(await sh.run('db.adminCommand({replSetGetStatus: 1}).term')).toBe("Long('3')\n");
  });

  it('opens a cursor with its modifiers as find options, then continues it by handle', async () => {
    const rpc = new ScriptedRpc();
    const sh = await start(rpc, ['--quiet', 'mongodb://morton.local:27017/?directConnection=true']);
    for (let i = 0; i < 3; i++) await sh.run(`db.t.insertOne({i: ${i}})`);
    expect(await sh.run('db.t.find({}, {_id: 0, i: 1}).sort({i: -1}).limit(1).toArray().length')).toBe('1\n');
    const find = rpc.calls.find((call) => call.method === 'find')!;
    expect(find.params).toMatchObject({ client: 'c7', db: 'test', coll: 't', filter: {}, options: { projection: { _id: 0, i: 1 }, sort: { i: -1 }, limit: 1 } });
    expect(await sh.run('db.t.find().toArray().length')).toBe('3\n');
    expect(rpc.calls.at(-2)).toEqual({ method: 'getMore', params: { client: 'c7', cursor: 'k1' } });
    expect(await sh.run('db.t.findOne().d')).toBe('2.5\n');
  });

  it("prints the server's errors by code name, and a member that is not there as mongosh does", async () => {
    const rpc = new ScriptedRpc();
    const sh = await start(rpc, ['--quiet', 'mongodb://morton.local:27017/?directConnection=true']);
    rpc.failing.set('insertOne', { name: 'MongoServerError', message: 'not primary', errmsg: 'not primary', code: 10107, codeName: 'NotWritablePrimary', errorLabels: [] });
    expect(await sh.run('db.t.insertOne({})')).toBe('Uncaught \rMongoServerError[NotWritablePrimary]: not primary\n');
    expect(await sh.run('db.adminCommand({bogus: 1})')).toBe("Uncaught \rMongoServerError[CommandNotFound]: no such command: 'bogus'\n");
    rpc.failing.set('insertOne', { name: 'MongoNetworkError', message: 'Socks5 proxy rejected connection - ConnectionRefused', network: 'refused', address: 'morton.local:27017' });
    expect(await sh.run('db.t.insertOne({})')).toBe('Uncaught \rMongoNetworkError: connect ECONNREFUSED morton.local:27017\n');
    rpc.failing.set('insertOne', { name: 'Interrupted', message: 'interrupted' });
    expect(await sh.run('db.t.insertOne({})')).toBe('Stopping execution...\n');

    const down = new ScriptedRpc();
    down.failing.set('runCommand', {
      name: 'MongoServerSelectionError',
      message: 'Socks5 proxy rejected connection - ConnectionRefused',
      selection: { timeoutMillis: 2000, servers: [{ address: '127.0.0.1:27019', type: 'Unknown', error: { message: 'Socks5 proxy rejected connection - ConnectionRefused', network: 'refused' } }] },
    });
    const failed = await start(down, ['--port', '27019']);
    expect(failed.exitCode).toBe(1);
    expect(failed.screen()).toMatch(/\nMongoNetworkError: connect ECONNREFUSED 127\.0\.0\.1:27019\n$/);
    expect(down.calls.at(-1)).toEqual({ method: 'close', params: { client: 'c7' } });
  });
});
