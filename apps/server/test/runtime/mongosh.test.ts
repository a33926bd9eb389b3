import { beforeAll, describe, expect, it } from 'vitest';
import { appPerFile } from '../helpers/appPerFile';
import { typeLine } from '../../src/terminal/typeLine';
import type { TerminalSession } from '../../src/terminal/session';
import type { Sandbox } from '../../src/workspace/sandbox';

/**
 * mongosh's own shell API and evaluator (@rslab/runtime's mongosh worker) typed into a sandbox's
 * terminal, the whole way: the servers shell starts it, the tab's interpreter forwards each line
 * to the runtime host (here the in-process Node host, as in CI), and its driver calls run through
 * the driver RPC executor against the simulated set. What each line prints is what mongosh 2.12.0
 * prints in a terminal (read off a real mongosh connected to sim-mongod).
 */
const app = appPerFile();
const lineMillisMax = 60_000;
const objectId = "ObjectId\\('[0-9a-f]{24}'\\)";
/** The start-up progress line the terminal draws in place (and erases) is not part of what mongosh printed. */
const withoutProgress = (text: string): string =>
  text
    .split('\r\x1b[K')
    .map((part) => (part.startsWith('\x1b[2m') && part.includes('\x1b[0m') ? part.slice(part.indexOf('\x1b[0m') + 4) : part))
    .join('');

describe('mongosh in a terminal tab, on a single member and then a set', () => {
  let sandbox: Sandbox;
  let tab: TerminalSession;
  const run = async (line: string) => withoutProgress(await typeLine(tab, line, lineMillisMax));

  beforeAll(async () => {
    sandbox = app().sandboxes.obtain(`mongosh-${Math.random()}`).sandbox;
    sandbox.lab.engine.clock.setSpeed(10);
    tab = [...sandbox.tabs.values()][0]!;
    for (const port of [27017, 27018, 27019]) await run(`mongod --port ${port} --dbpath /data/s${port} --replSet foo`);
  }, 120_000);

  it('starts as mongosh does: its own start-up lines, then its prompt', async () => {
    const banner = await run('mongosh mongodb://morton.local:27017/?directConnection=true');
    expect(banner).toMatch(/^Current Mongosh Log ID:\t[0-9a-f]{24}\nConnecting to:\t\tmongodb:\/\/morton\.local:27017\/\?directConnection=true&appName=mongosh\+2\.12\.0\nUsing MongoDB:\t\t7\.0\.\d+\nUsing Mongosh:\t\t2\.12\.0\n/);
    expect(tab.snapshot().prompt).toBe('test> ');
  }, 120_000);

  it('answers before initiate with the server error, by code name', async () => {
    expect(await run('rs.conf()')).toBe('Uncaught \rMongoServerError[NotYetInitialized]: no replset config has been received\n');
    expect(await run('db.adminCommand({bogus: 1})')).toBe("Uncaught \rMongoServerError[CommandNotFound]: no such command: 'bogus'\n");
  });

  it('takes rs.initiate({...}) over several lines, and its prompt follows the member to primary', async () => {
    expect(await run('rs.initiate({')).toBe('');
    expect(tab.snapshot().prompt).toBe('... ');
    await run('  _id: "foo",');
    expect(await run('  members: [{_id: 0, host: "morton.local:27017"}, {_id: 1, host: "morton.local:27018"}, {_id: 2, host: "morton.local:27019"}]})')).toBe('{ ok: 1 }\n');
    // The driver learns of the new primary from its next heartbeat, and the prompt follows.
    for (let i = 0; i < 200 && !tab.snapshot().prompt.includes('primary'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await run('1');
    }
    expect(tab.snapshot().prompt).toBe('foo [direct: primary] test> ');
    expect(await run('rs.conf().members.map(m => m.host)')).toBe("[ 'morton.local:27017', 'morton.local:27018', 'morton.local:27019' ]\n");
    const status = await run('rs.status()');
    expect(status).toMatch(/date: ISODate\('\d{4}-\d\d-\d\dT[\d:.]+Z'\)/);
    expect(status).toMatch(/optime: \{ ts: Timestamp\(\{ t: \d+, i: \d+ \}\), t: Long\('1'\) \}/);
  }, 60_000);

  it('is JavaScript, line by line: a for loop, arrow functions, template strings', async () => {
    expect(await run('for (let i = 0; i < 3; i++) {')).toBe('');
    expect(tab.snapshot().prompt).toBe('... ');
    await run('  print(`member ${i}`)');
    expect(await run('}')).toBe('member 0\nmember 1\nmember 2\n\n');
    expect(await run('const twice = (x) => x * 2')).toBe('\n');
    expect(await run('`${twice(21)} answers`')).toBe('42 answers\n');
    expect(await run('NumberLong("5")')).toBe("Long('5')\n");
    expect(await run('db.test.foo()')).toBe('Uncaught \rTypeError: db.test.foo is not a function\n');
    expect(await run('x = = 1')).toBe('Uncaught:\n\rSyntaxError: Unexpected token (1:4)\n\n> 1 | x = = 1\n    |     ^\n  2 |\n\n');
  });

  it('prints CRUD results and cursors as mongosh does, and pages with it', async () => {
    expect(await run('db.test.insertOne({x: 1})')).toMatch(new RegExp(`^\\{\\n  acknowledged: true,\\n  insertedId: ${objectId}\\n\\}\\n$`));
    await run('db.test.insertMany([{x: 2}, {x: 3}])');
    expect(await run('db.test.find({}, {_id: 0}).sort({x: -1}).limit(2)')).toBe('[ { x: 3 }, { x: 2 } ]\n');
    expect(await run('db.test.countDocuments()')).toBe('3\n');
    await run(`db.many.insertMany(${JSON.stringify(Array.from({ length: 25 }, (_, i) => ({ i })))})`);
    const first = await run('db.many.find({}, {_id: 0})');
    expect(first.match(/i: /g)).toHaveLength(20);
    expect(first).toMatch(/\nType "it" for more\n$/);
    expect((await run('it')).match(/i: /g)).toHaveLength(5);
  });

  it('show dbs lists admin, config, local and test, sized as mongosh prints them', async () => {
    const dbs = await run('show dbs');
    const names = dbs.trim().split('\n').map((line) => line.split(/\s+/)[0]);
    expect(names).toEqual(expect.arrayContaining(['admin', 'config', 'local', 'test']));
    expect(dbs).toMatch(/^local\s+\d+(\.\d+)? [KMG]iB$/m);
  });

  it("has mongosh's replication helpers: rs.help(), rs.printReplicationInfo(), rs.printSecondaryReplicationInfo(), db.getMongo()", async () => {
    const help = await run('rs.help()');
    expect(help).toContain('Replica Set Class:');
    expect(help).toMatch(/ {4}printSecondaryReplicationInfo +Calls db\.printSecondaryReplicationInfo\n/);
    const info = await run('rs.printReplicationInfo()');
    expect(info).toMatch(/^actual oplog size\n'[\d.]+ MB'\n---\nconfigured oplog size\n'990 MB'\n---\nlog length start to end\n'\d+ secs \([\d.]+ hrs\)'\n---\noplog first event time\n'.+'\n---\noplog last event time\n'.+'\n---\nnow\n'.+'\n$/);
    const secondaries = await run('rs.printSecondaryReplicationInfo()');
    expect(secondaries).toContain("source: morton.local:27018\n{\n  syncedTo: '");
    expect(secondaries).toContain("source: morton.local:27019\n");
    expect(await run('db.getMongo()')).toBe('mongodb://morton.local:27017/?directConnection=true&appName=mongosh+2.12.0\n');
  });

  it("completes with mongosh's own autocomplete, asked of the page that runs it (rs., db.<coll>., show)", async () => {
    // The tab's completion goes to the runtime host (runtime.complete), as a follower's Tab does.
    const complete = async (line: string) => (await tab.complete(line, line.length)).candidates;
    expect(await complete('rs.st')).toEqual(expect.arrayContaining(['rs.status', 'rs.stepDown']));
    const find = await complete('db.test.find');
    expect(find).toEqual(expect.arrayContaining(['db.test.find', 'db.test.findOne', 'db.test.findOneAndUpdate']));
    expect(find.every((candidate) => candidate.startsWith('db.test.find'))).toBe(true);
    // @mongosh/shell-api's completeShowCommand offers only 'databases' for 'd' (not 'dbs'), on purpose.
    expect(await complete('show d')).toEqual(['show databases']);
    expect(await complete('show db')).toEqual(['show dbs']);
  });

  it('leaves with exit, back to the servers shell', async () => {
    await run('exit');
    expect(tab.snapshot().prompt).toBe('morton$ ');
  });

  it('mongosh --port 27019 is connected to 27019, not to a database named 27019', async () => {
    await run('mongosh --quiet --port 27019');
    expect(await run('db.getMongo()')).toBe('mongodb://127.0.0.1:27019/?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+2.12.0\n');
    expect(await run('db.hello().me')).toBe('morton.local:27019\n');
    expect(await run('db.getName()')).toBe('test\n');
    await run('exit');
  }, 60_000);

  it('mongosh --eval runs, prints and returns to bash with its exit code; a refused connection says what mongosh says', async () => {
    expect(await run('mongosh --quiet --port 27018 --eval "rs.status().set"')).toBe('foo\n');
    expect(tab.snapshot().prompt).toBe('morton$ ');
    expect(await run('mongosh --port 27099')).toMatch(/MongoNetworkError: connect ECONNREFUSED 127\.0\.0\.1:27099\n$/);
    expect(tab.snapshot().prompt).toBe('morton$ ');
  }, 60_000);

  it('records mongosh errors by name for the lesson checks', async () => {
    await run('mongosh --quiet --port 27017');
    await run('db.adminCommand({bogus: 1})');
    const last = sandbox.lab.history.at(-1);
    expect(last).toMatchObject({ language: 'mongosh', input: 'db.adminCommand({bogus: 1})', ok: false, errorName: 'MongoServerError' });
    await run('exit');
  }, 60_000);
});
