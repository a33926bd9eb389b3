import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appPerFile } from '../helpers/appPerFile';
import { typeLine } from '../../src/transcript/run';
import { MongoshExecutor, driverErrorInfo } from '../../src/driver/mongoshExecutor';
import { decodeDriverValue, encodeDriverValue, type DriverErrorInfo, type DriverReply, type DriverRequest } from '../../src/protocol/driverRpc';
import { MongoshShell, transportProviders } from '../../../web/src/runtimes/mongosh/shell';
import { nodeEnvironment } from '../../../web/src/runtimes/mongosh/environment/node';
import { DriverRpcError, type DriverTransport } from '../../../web/src/runtimes/mongosh/driverRpc';
import type { Sandbox } from '../../src/sandbox/sandbox';

const app = appPerFile();

/** The browser's transport, minus the WebSocket: every message crosses as Extended JSON text. */
function inProcessTransport(executor: MongoshExecutor): DriverTransport {
  return {
    async request(request: DriverRequest, signal?: AbortSignal): Promise<DriverReply> {
      const arrived = decodeDriverValue<DriverRequest>(encodeDriverValue(request));
      try {
        const reply = await executor.handle(arrived, signal);
        return decodeDriverValue<DriverReply>(encodeDriverValue(reply));
      } catch (error) {
        throw new DriverRpcError(decodeDriverValue<DriverErrorInfo>(encodeDriverValue(driverErrorInfo(error))));
      }
    },
  };
}

async function startSet(sandbox: Sandbox): Promise<void> {
  const tab = [...sandbox.tabs.values()][0]!;
  for (const port of [27017, 27018, 27019]) await typeLine(tab, `mongod --port ${port} --dbpath /data/db${port} --replSet foo`, 10_000);
}

async function mongosh(sandbox: Sandbox, argv: string[]) {
  let screen = '';
  const executor = new MongoshExecutor(sandbox.lab.gateway);
  const started = await MongoshShell.start(argv, {
    providers: transportProviders(inProcessTransport(executor)),
    environment: nodeEnvironment(),
    write: (text) => {
      screen += text;
    },
    logId: () => randomBytes(12).toString('hex'),
  });
  const run = async (line: string): Promise<string> => {
    const before = screen.length;
    const outcome = await started.shell!.execute(line);
    return screen.slice(before) + (outcome.continuation ? '...' : '');
  };
  return { started, run, screen: () => screen, executor };
}

describe("mongosh's own shell API over the driver RPC", () => {
  it('initiates a set, then prints loops, arrow functions, template strings and rs helpers as mongosh 2.x', { timeout: 90_000 }, async () => {
    const { sandbox } = app().sandboxes.obtain(`mongosh-${Math.random()}`);
    sandbox.lab.engine.clock.setSpeed(10);
    await startSet(sandbox);
    const sh = await mongosh(sandbox, ['mongodb://morton.local:27017/?directConnection=true']);
    expect(sh.started.exitCode).toBe(0);
    const banner = sh.screen();
    expect(banner).toMatch(/^Current Mongosh Log ID:\t[0-9a-f]{24}\n/);
    expect(banner).toContain('Connecting to:\t\tmongodb://morton.local:27017/?directConnection=true&appName=mongosh+2.12.0\n');
    expect(banner).toContain('Using MongoDB:\t\t7.0.14\nUsing Mongosh:\t\t2.12.0\n\nFor mongosh info see: https://www.mongodb.com/docs/mongodb-shell/\n');
    expect(sh.started.shell!.prompt()).toBe('test> ');
    const initiate = await sh.run('rs.initiate({_id: "foo", members: [{_id: 0, host: "morton.local:27017"}, {_id: 1, host: "morton.local:27018"}, {_id: 2, host: "morton.local:27019"}]})');
    expect(initiate).toBe('{ ok: 1 }\n');
    // Typed line by line, as at a real prompt: the for loop waits for its closing brace.
    expect(await sh.run('for (let i = 0; i < 3; i++) {')).toBe('...');
    expect(sh.started.shell!.prompt()).toBe('... ');
    expect(await sh.run('  print(`member ${i}`)')).toBe('...');
    expect(await sh.run('}')).toBe('member 0\nmember 1\nmember 2\n\n');
    expect(await sh.run('const double = (n) => n * 2')).toBe('\n');
    expect(await sh.run('[1, 2, 3].map(double)')).toBe('[ 2, 4, 6 ]\n');
    expect(await sh.run('`${double(21)} is the answer`')).toBe('42 is the answer\n');
    const help = await sh.run('rs.help()');
    expect(help).toContain('  Replica Set Class:\n');
    expect(help).toContain('    printSecondaryReplicationInfo              Calls db.printSecondaryReplicationInfo\n');
    expect(await sh.run('db.getMongo()')).toBe('mongodb://morton.local:27017/?directConnection=true&appName=mongosh+2.12.0\n');
    expect(await sh.run('foo.bar')).toBe('Uncaught \rReferenceError: foo is not defined\n');
    for (let i = 0; i < 100 && !sh.started.shell!.prompt().includes('primary'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await sh.run('db.hello().isWritablePrimary');
    }
    expect(sh.started.shell!.prompt()).toBe('foo [direct: primary] test> ');
    expect(await sh.run('db.test.insertOne({x: 1}).acknowledged')).toBe('true\n');
    // mongosh's `show dbs`: name and size, aligned (formatDatabases in cli-repl).
    expect(await sh.run('show dbs')).toMatch(/^admin {4}40\.00 KiB\nconfig {3}12\.00 KiB\nlocal +\d+\.\d\d KiB\ntest +4\.00 KiB\n$/);
    const date = "'\\w{3} \\w{3} \\d\\d \\d{4} \\d\\d:\\d\\d:\\d\\d GMT[^']*'";
    expect(await sh.run('rs.printReplicationInfo()')).toMatch(
      new RegExp(
        `^actual oplog size\\n'990 MB'\\n---\\nconfigured oplog size\\n'990 MB'\\n---\\nlog length start to end\\n'\\d+ secs \\([\\d.]+ hrs\\)'\\n---\\n` +
          `oplog first event time\\n${date}\\n---\\noplog last event time\\n${date}\\n---\\nnow\\n${date}\\n$`,
      ),
    );
    const secondaries = await sh.run('rs.printSecondaryReplicationInfo()');
    expect(secondaries).toMatch(new RegExp(`^source: morton\\.local:27018\\n\\{\\n  syncedTo: ${date},\\n  replLag: '\\d+ secs \\([\\d.]+ hrs\\) behind the primary '\\n\\}\\n---\\nsource: morton\\.local:27019\\n`));

    // `mongosh --port 27019`: the third member, directly (127.0.0.1 is the sandbox's own host).
    const other = await mongosh(sandbox, ['--port', '27019']);
    expect(other.screen()).toContain('Connecting to:\t\tmongodb://127.0.0.1:27019/?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+2.12.0\n');
    expect(await other.run('db.getMongo()')).toBe('mongodb://127.0.0.1:27019/?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+2.12.0\n');
    expect(other.started.shell!.prompt()).toBe('foo [direct: secondary] test> ');
    expect(await other.run('db.hello().me')).toBe('morton.local:27019\n');
    // A write on a secondary: the server's error, as mongosh names it.
    expect(await other.run('db.test.insertOne({y: 1})')).toBe('Uncaught \rMongoServerError[NotWritablePrimary]: not primary\n');
    await other.started.shell!.dispose();
    await sh.started.shell!.dispose();
  });
});
