import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { appPerFile } from '../helpers/appPerFile';
import { typeLine } from '../../src/transcript/run';
import { MongoshExecutor, driverErrorInfo } from '../../src/driver/mongoshExecutor';
import { decodeDriverValue, encodeDriverValue, type DriverErrorInfo, type DriverReply, type DriverRequest } from '../../src/protocol/driverRpc';
import { MongoshShell, transportProviders } from '../../../web/src/runtimes/mongosh/shell';
import { nodeEnvironment } from '../../../web/src/runtimes/mongosh/environment/node';
import { DriverRpcError } from '../../../web/src/runtimes/mongosh/driverRpc';
import type { Sandbox } from '../../src/sandbox/sandbox';

/**
 * mongosh's own shell API against the simulated set, through the driver RPC. What each line prints
 * is what mongosh 2.12.0 prints in a terminal (read off a real mongosh connected to sim-mongod).
 */
const app = appPerFile();

type Shell = NonNullable<Awaited<ReturnType<typeof MongoshShell.start>>['shell']>;

async function mongosh(sandbox: Sandbox, argv: string[]): Promise<{ shell: Shell; run(line: string): Promise<string> }> {
  let screen = '';
  const executor = new MongoshExecutor(sandbox.lab.gateway);
  const started = await MongoshShell.start(argv, {
    providers: transportProviders({
      async request(request: DriverRequest, signal?: AbortSignal): Promise<DriverReply> {
        try {
          const reply = await executor.handle(decodeDriverValue<DriverRequest>(encodeDriverValue(request)), signal);
          return decodeDriverValue<DriverReply>(encodeDriverValue(reply));
        } catch (error) {
          throw new DriverRpcError(decodeDriverValue<DriverErrorInfo>(encodeDriverValue(driverErrorInfo(error))));
        }
      },
    }),
    environment: nodeEnvironment(),
    write: (text) => {
      screen += text;
    },
    logId: () => randomBytes(12).toString('hex'),
  });
  if (!started.shell) throw new Error(`mongosh did not start:\n${screen}`);
  const shell = started.shell;
  return {
    shell,
    async run(line: string) {
      const before = screen.length;
      const outcome = await shell.execute(line);
      return screen.slice(before) + (outcome.continuation ? '...' : '') + (outcome.exit ? `<exit ${outcome.exit.code}>` : '');
    },
  };
}

const objectId = "ObjectId\\('[0-9a-f]{24}'\\)";

describe('mongosh on a single member, then a set', () => {
  let sandbox: Sandbox;
  let sh: Awaited<ReturnType<typeof mongosh>>;
  beforeAll(async () => {
    sandbox = app().sandboxes.obtain(`mongosh-session-${Math.random()}`).sandbox;
    sandbox.lab.engine.clock.setSpeed(10);
    const tab = [...sandbox.tabs.values()][0]!;
    for (const port of [27017, 27018, 27019]) await typeLine(tab, `mongod --port ${port} --dbpath /data/s${port} --replSet foo`, 10_000);
    sh = await mongosh(sandbox, ['mongodb://morton.local:27017/?directConnection=true']);
  }, 60_000);

  it('answers before initiate with the server error, by code name', async () => {
    expect(await sh.run('rs.conf()')).toBe('Uncaught \rMongoServerError[NotYetInitialized]: no replset config has been received\n');
    expect(await sh.run('db.adminCommand({bogus: 1})')).toBe("Uncaught \rMongoServerError[CommandNotFound]: no such command: 'bogus'\n");
  });

  it('takes rs.initiate({...}) over several lines, then rs.add, rs.remove, rs.reconfig with version + 1', async () => {
    expect(await sh.run('rs.initiate({')).toBe('...');
    expect(await sh.run('  _id: "foo",')).toBe('...');
    expect(await sh.run('  members: [{_id: 0, host: "morton.local:27017"}, {_id: 1, host: "morton.local:27018"}]})')).toBe('{ ok: 1 }\n');
    // The driver learns of the new primary from its next heartbeat (heartbeatFrequencyMS, 10 s),
    // and the prompt follows, as in mongosh.
    for (let i = 0; i < 200 && !sh.shell.prompt().includes('primary'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await sh.run('1');
    }
    expect(sh.shell.prompt()).toBe('foo [direct: primary] test> ');
    expect(await sh.run('rs.add("morton.local:27019")')).toMatch(/ok: 1/);
    expect(await sh.run('rs.conf().members.map(m => m.host)')).toBe("[ 'morton.local:27017', 'morton.local:27018', 'morton.local:27019' ]\n");
    expect(await sh.run('rs.remove("nope:1")')).toMatch(/^Uncaught \rMongoshInvalidInputError: \[COMMON-10001\] Couldn't find nope:1 in \[/);
    await sh.run('cfg = rs.conf()');
    const version = Number(await sh.run('cfg.version'));
    await sh.run('cfg.members[2].priority = 0');
    await sh.run('cfg.version = 1');
    expect(await sh.run('rs.reconfig(cfg)')).toMatch(/ok: 1/);
    expect(Number(await sh.run('rs.conf().version'))).toBe(version + 1);
    expect(await sh.run('rs.freeze("x")')).toBe('Uncaught \rMongoshInvalidInputError: [COMMON-10001] Argument at position 0 must be of type number, got string instead (ReplicaSet.freeze)\n');
    const status = await sh.run('rs.status()');
    expect(status).toMatch(/date: ISODate\('\d{4}-\d\d-\d\dT[\d:.]+Z'\)/);
    expect(status).toMatch(/optime: \{ ts: Timestamp\(\{ t: \d+, i: \d+ \}\), t: Long\('1'\) \}/);
  }, 60_000);

  it('prints CRUD results, cursors and their iteration as mongosh does', async () => {
    expect(await sh.run('db.test.insertOne({x: 1})')).toMatch(new RegExp(`^\\{\\n  acknowledged: true,\\n  insertedId: ${objectId}\\n\\}\\n$`));
    expect(await sh.run('db.test.insertMany([{x: 2}, {x: 3, name: "it\'s"}])')).toMatch(
      new RegExp(`^\\{\\n  acknowledged: true,\\n  insertedIds: \\{\\n    '0': ${objectId},\\n    '1': ${objectId}\\n  \\}\\n\\}\\n$`),
    );
    expect(await sh.run('db.test.findOne({x: 1}, {_id: 0})')).toBe('{ x: 1 }\n');
    expect(await sh.run('db.test.find({}, {_id: 0})')).toBe("[ { x: 1 }, { x: 2 }, { x: 3, name: \"it's\" } ]\n");
    expect(await sh.run('db.test.find({}, {_id: 0}).sort({x: -1}).limit(2)')).toBe('[ { x: 3, name: "it\'s" }, { x: 2 } ]\n');
    expect(await sh.run('db.test.countDocuments()')).toBe('3\n');
    expect(await sh.run('db.test.updateOne({x: 2}, {$set: {y: true}})')).toBe('{\n  acknowledged: true,\n  insertedId: null,\n  matchedCount: 1,\n  modifiedCount: 1,\n  upsertedCount: 0\n}\n');
    expect(await sh.run('db.test.updateOne({x: 2}, {y: 1})')).toBe('Uncaught \rMongoInvalidArgumentError: Update document requires atomic operators\n');
    expect(await sh.run('db.test.deleteOne({x: 2})')).toBe('{ acknowledged: true, deletedCount: 1 }\n');
    expect(await sh.run('db.test.find({}, {_id: 0}).forEach(printjson)')).toBe("{\n  x: 1\n}\n{\n  x: 3,\n  name: \"it's\"\n}\n\n");
    expect(await sh.run('db.test.find().map(d => d.x * 10)')).toBe('[ 10, 30 ]\n');
    expect(await sh.run('db.test.find().toArray().length')).toBe('2\n');
    // A write concern reaches the server: w: 1 is acknowledged by the primary alone.
    expect(await sh.run('db.test.insertOne({lost: true}, {writeConcern: {w: 1}}).acknowledged')).toBe('true\n');
  });

  it('pages a cursor twenty documents at a time with it', async () => {
    await sh.run(`db.many.insertMany(${JSON.stringify(Array.from({ length: 25 }, (_, i) => ({ i })))})`);
    const first = await sh.run('db.many.find({}, {_id: 0})');
    expect(first.match(/i: /g)).toHaveLength(20);
    expect(first).toMatch(/\nType "it" for more\n$/);
    const second = await sh.run('it');
    expect(second.match(/i: /g)).toHaveLength(5);
    expect(second).not.toContain('Type "it"');
    expect(await sh.run('it')).toBe('no cursor\n');
  });

  it('switches databases and shows collections', async () => {
    expect(await sh.run('use app')).toBe('switched to db app\n');
    expect(await sh.run('use app')).toBe('already on db app\n');
    expect(sh.shell.prompt()).toBe('foo [direct: primary] app> ');
    await sh.run('db.b.insertOne({})');
    await sh.run('db.a.insertOne({})');
    expect(await sh.run('show collections')).toBe('a\nb\n');
    expect(await sh.run('show nope')).toBe('Uncaught \rMongoshInvalidInputError: [COMMON-10001] \'nope\' is not a valid argument for "show".\n');
    await sh.run('use test');
  });

  it('is JavaScript: constants, BSON constructors, errors, circular values', async () => {
    expect(await sh.run('const conf = {_id: "foo", members: [{_id: 0, host: "morton.local:27017"}]}')).toBe('\n');
    expect(await sh.run('conf.members[0].host')).toBe('morton.local:27017\n');
    // mongosh's rewriter makes top-level declarations globals: a const can be assigned again, as in mongosh 2.12.
    expect(await sh.run('conf = 1')).toBe('1\n');
    await sh.run('conf = {_id: "foo", members: [{_id: 0, host: "morton.local:27017"}]}');
    expect(await sh.run('NumberLong("5")')).toBe("Long('5')\n");
    expect(await sh.run('ISODate("2026-11-25T13:00:00Z")')).toBe("ISODate('2026-11-25T13:00:00.000Z')\n");
    expect(await sh.run('ObjectId("xyz")')).toBe('Uncaught \rBSONError: input must be a 24 character hex string, 12 byte Uint8Array, or an integer\n');
    expect(await sh.run('db.test.foo()')).toBe('Uncaught \rTypeError: db.test.foo is not a function\n');
    expect(await sh.run('conf.nothing.deeper')).toBe("Uncaught \rTypeError: Cannot read properties of undefined (reading 'deeper')\n");
    expect(await sh.run('let loop = [1]; loop.push(loop); loop')).toBe('<ref *1> [ 1, [Circular *1] ]\n');
    expect(await sh.run('x = = 1')).toBe('Uncaught:\n\rSyntaxError: Unexpected token (1:4)\n\n> 1 | x = = 1\n    |     ^\n  2 |\n\n');
  });

  it('leaves with exit, quit, exit() and quit()', async () => {
    for (const line of ['exit', 'quit', 'exit()', 'quit()']) {
      const other = await mongosh(sandbox, ['--quiet', '--port', '27018']);
      expect(await other.run(line), line).toBe('<exit 0>');
      await other.shell.dispose();
    }
  }, 30_000);
});
