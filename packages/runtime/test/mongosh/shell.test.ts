import { describe, expect, it } from 'vitest';
import { MongoshShell, rpcProviders } from '../../src/mongosh/shell';
import { nodeEnvironment } from '../../src/mongosh/environment/node';
import type { DriverCalls } from '../../src/mongosh/rpc/driverCalls';

/** No server behind it: `--nodb` shells never make a driver call. */
const noServer: DriverCalls = {
  call: () => Promise.reject(new Error('this test has no server')),
};

async function start(argv: string[]) {
  let screen = '';
  const started = await MongoshShell.start(argv, {
    providers: rpcProviders(noServer),
    environment: nodeEnvironment(),
    write: (text: string) => {
      screen += text;
    },
    logId: () => '6b1126e08c1979c9f37a3704',
  });
  const run = async (line: string): Promise<{ output: string; continuation: boolean; exit?: number }> => {
    const before = screen.length;
    const outcome = await started.shell!.execute(line);
    return { output: screen.slice(before), continuation: outcome.continuation === true, ...(outcome.exit ? { exit: outcome.exit.code } : {}) };
  };
  return { ...started, run, screen: () => screen };
}

// The expected screens below were read off mongosh 2.12.0 in a terminal (`mongosh --nodb`).
describe('mongosh --nodb prints as mongosh 2.x', () => {
  it('greets without a server', async () => {
    const sh = await start(['--nodb']);
    expect(sh.screen()).toBe(
      'Current Mongosh Log ID:\t6b1126e08c1979c9f37a3704\nUsing Mongosh:\t\t2.12.0\n\nFor mongosh info see: https://www.mongodb.com/docs/mongodb-shell/\n\n',
    );
    expect(sh.shell!.prompt()).toBe('> ');
  });

  it('takes a for loop line by line, with ... while the block is open', async () => {
    const sh = await start(['--nodb', '--quiet']);
    expect(await sh.run('for (let i = 0; i < 2; i++) {')).toEqual({ output: '', continuation: true });
    expect(sh.shell!.prompt()).toBe('... ');
    expect(await sh.run('print(`n ${i}`)')).toEqual({ output: '', continuation: true });
    expect(await sh.run('}')).toEqual({ output: 'n 0\nn 1\n\n', continuation: false });
    expect(sh.shell!.prompt()).toBe('> ');
  });

  it('keeps declarations between lines; arrow functions and template strings are JavaScript', async () => {
    const sh = await start(['--nodb', '--quiet']);
    expect((await sh.run('const f = (x) => x * 2')).output).toBe('\n');
    expect((await sh.run('f(21)')).output).toBe('42\n');
    expect((await sh.run('let who = "set"')).output).toBe('\n');
    expect((await sh.run('`${who} of ${f(1) + 1}`')).output).toBe('set of 3\n');
    expect((await sh.run('[1, 2, 3].map(x => x * 2)')).output).toBe('[ 2, 4, 6 ]\n');
    expect((await sh.run('function g() {}')).output).toBe('[Function: g]\n');
    expect((await sh.run('"str"')).output).toBe('str\n');
  });

  it("prints BSON values and documents with mongosh's inspect", async () => {
    const sh = await start(['--nodb', '--quiet']);
    expect((await sh.run('({a: 1, d: new Date(0), o: ObjectId("000000000000000000000000")})')).output).toBe(
      "{\n  a: 1,\n  d: ISODate('1970-01-01T00:00:00.000Z'),\n  o: ObjectId('000000000000000000000000')\n}\n",
    );
    expect((await sh.run('({a: 1})')).output).toBe('{ a: 1 }\n');
    expect((await sh.run('{a: 1}')).output).toBe('1\n');
    expect((await sh.run('console.log("c", {a: [1]})')).output).toBe('c { a: [ 1 ] }\n\n');
  });

  it('prints errors by name, and refuses db without a connection', async () => {
    const sh = await start(['--nodb', '--quiet']);
    expect((await sh.run('foo.bar')).output).toBe('Uncaught \rReferenceError: foo is not defined\n');
    expect((await sh.run('throw new Error("boom")')).output).toBe('Uncaught \rError: boom\n');
    expect((await sh.run('db')).output).toBe('Uncaught \rMongoshInvalidInputError: [SHAPI-10004] No connected database\n');
    // An unclosed call waits for more; the closing line then reports the error.
    expect(await sh.run('foo(')).toEqual({ output: '', continuation: true });
    expect((await sh.run(')')).output).toBe('Uncaught \rReferenceError: foo is not defined\n');
  });

  it('has its own help', async () => {
    const sh = await start(['--nodb', '--quiet']);
    const help = (await sh.run('rs.help()')).output;
    expect(help).toContain('\n  Replica Set Class:\n\n    initiate                                   Initiates the replica set.\n');
    expect(help).toContain('    printReplicationInfo                       Calls db.printReplicationInfo\n');
    expect(help).toContain('  For more information on usage: https://mongodb.com/docs/manual/reference/method/js-replication/');
    expect((await sh.run('version()')).output).toBe('2.12.0\n');
  });

  it('Ctrl-C drops a half-typed block; exit and quit() leave with their code', async () => {
    const sh = await start(['--nodb', '--quiet']);
    await sh.run('if (true) {');
    expect(sh.shell!.interrupt()).toBe('\n');
    expect(sh.shell!.prompt()).toBe('> ');
    expect(await sh.run('exit')).toEqual({ output: '', continuation: false, exit: 0 });
    expect(await sh.run('quit(3)')).toEqual({ output: '', continuation: false, exit: 3 });
    // A try/catch in learner code cannot swallow the exit.
    expect((await sh.run('try { exit(2) } catch (e) { print("caught") }')).exit).toBe(2);
  });

  it('runs --eval scripts, prints the last value, and exits', async () => {
    const sh = await start(['--nodb', '--eval', 'const x = 20', '--eval', 'x + 22']);
    expect(sh.shell).toBeNull();
    expect(sh.exitCode).toBe(0);
    // --eval without --shell is quiet unless told otherwise, as in mongosh.
    expect(sh.screen()).toBe('42\n');
    const failing = await start(['--nodb', '--eval', 'nope']);
    expect(failing.exitCode).toBe(1);
    expect(failing.screen()).toBe('ReferenceError: nope is not defined\n');
  });

  it('answers --version, --help and unknown options as mongosh does', async () => {
    expect((await start(['--version'])).screen()).toBe('2.12.0\n');
    const help = await start(['--help']);
    expect(help.screen()).toContain('  $ mongosh [options] [db address] [file names (ending in .js or .mongodb)]');
    const bogus = await start(['--bogus']);
    expect(bogus.exitCode).toBe(1);
    expect(bogus.screen()).toMatch(/^MongoshUnimplementedError: \[COMMON-10001\] {3}Error parsing command line: unrecognized option: --bogus/);
  });

  it('completes names the learner defined and the shell API', async () => {
    const sh = await start(['--nodb', '--quiet']);
    await sh.run('var replicaCount = 3');
    expect(await sh.shell!.complete('repl', 4)).toEqual({ replaceFrom: 0, candidates: ['replicaCount'] });
    expect((await sh.shell!.complete('print', 5)).candidates).toEqual(expect.arrayContaining(['print', 'printjson']));
  });
});

describe("errors at the prompt, as Node's REPL under mongosh writes them", () => {
  it('one-line errors get "Uncaught " that the carriage return hides; code frames get "Uncaught:"', async () => {
    const { asUncaught } = await import('../../src/mongosh/shell');
    expect(asUncaught('\rReferenceError: foo is not defined')).toBe('Uncaught \rReferenceError: foo is not defined\n');
    expect(asUncaught('\rSyntaxError: Unexpected token (1:4)\n\n> 1 | x = = 1\n    |     ^\n  2 |\n\n')).toBe(
      'Uncaught:\n\rSyntaxError: Unexpected token (1:4)\n\n> 1 | x = = 1\n    |     ^\n  2 |\n\n',
    );
    // Text that starts with an error name is prefixed on that line.
    expect(asUncaught('TypeError: x')).toBe('Uncaught TypeError: x\n');
  });

  it('knows .exit, .break and .clear', async () => {
    const sh = await start(['--nodb', '--quiet']);
    await sh.run('if (true) {');
    expect(await sh.run('.break')).toEqual({ output: '', continuation: false });
    expect(sh.shell!.prompt()).toBe('> ');
    expect(await sh.run('.exit')).toEqual({ output: '', continuation: false, exit: 0 });
  });
});
