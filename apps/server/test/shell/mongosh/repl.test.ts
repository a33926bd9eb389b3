import { describe, expect, it } from 'vitest';
import { MongoshBackendError } from '../../../src/shell/mongosh/backend';
import { MongoshRepl, mongoshConnectingBanner, normalizeMongoshUri } from '../../../src/shell/mongosh/repl';
import { run, transcript } from '../harness';
import { FakeMongoshBackend } from './fakeBackend';

function setup() {
  const backend = new FakeMongoshBackend();
  return { backend, repl: new MongoshRepl({ backend }) };
}

async function out(repl: MongoshRepl, line: string): Promise<string> {
  return (await run(repl, line)).output;
}

describe('mongosh: replica set helpers', () => {
  it('initiates, shows status and config, adds and removes members', async () => {
    const { repl, backend } = setup();
    expect(await out(repl, 'rs.initiate()')).toBe(
      "{\n  info2: 'no configuration specified. Using a default configuration for the set',\n  me: 'morton.local:27017',\n  ok: 1\n}\n",
    );
    expect(backend.commands[0]).toEqual({ db: 'admin', command: { replSetInitiate: {} } });
    expect(await out(repl, 'rs.conf()')).toBe("{\n  _id: 'foo',\n  version: 1,\n  members: [ { _id: 0, host: 'morton.local:27017' } ]\n}\n");
    await out(repl, 'rs.add("morton.local:27018")');
    await out(repl, 'rs.add({host: "morton.local:27019", priority: 0})');
    expect(backend.config).toEqual({
      _id: 'foo',
      version: 3,
      members: [
        { _id: 0, host: 'morton.local:27017' },
        { _id: 1, host: 'morton.local:27018' },
        { _id: 2, host: 'morton.local:27019', priority: 0 },
      ],
    });
    await out(repl, 'rs.remove("morton.local:27018")');
    expect((backend.config?.members as unknown[]).length).toBe(2);
    expect(await out(repl, 'rs.remove("nope:1")')).toMatch(/^MongoshInvalidInputError: \[COMMON-10001\] Couldn't find nope:1 in \[/);
    const status = await out(repl, 'rs.status()');
    expect(status).toContain("date: ISODate('2026-11-25T13:00:00.000Z')");
    expect(status).toContain("optime: { ts: Timestamp({ t: 1764075600, i: 1 }), t: Long('1') }");
    await out(repl, 'rs.stepDown()');
    expect(backend.commands.at(-1)?.command).toEqual({ replSetStepDown: 60 });
    await out(repl, 'rs.freeze(30)');
    expect(backend.commands.at(-1)?.command).toEqual({ replSetFreeze: 30 });
    expect(await out(repl, 'rs.freeze("x")')).toBe(
      'MongoshInvalidInputError: [COMMON-10001] Argument at position 0 must be of type number, got string instead (ReplicaSet.freeze)\n',
    );
  });

  it('reconfigures with the current version + 1, as mongosh does, whatever the config says', async () => {
    const { repl, backend } = setup();
    await out(repl, 'rs.initiate()');
    await out(repl, 'rs.add("morton.local:27018")');
    await out(repl, 'cfg = rs.conf()');
    await out(repl, 'cfg.members[1].priority = 2');
    await out(repl, 'cfg.version = 1');
    expect(await out(repl, 'rs.reconfig(cfg)')).toContain('ok: 1');
    expect(backend.config).toMatchObject({ version: 3, members: [{ host: 'morton.local:27017' }, { host: 'morton.local:27018', priority: 2 }] });
    expect(await out(repl, 'rs.reconfig("nope")')).toMatch(/^MongoshInvalidInputError: .*Argument at position 0 must be of type object/);
  });

  it('passes a write concern through to the driver', async () => {
    const { repl, backend } = setup();
    await out(repl, 'db.test.insertOne({lost: true}, {writeConcern: {w: 1}})');
    await out(repl, 'db.test.insertOne({kept: true})');
    expect(backend.writeOptions).toEqual([{ writeConcern: { w: 1 } }, {}]);
    expect(await out(repl, 'db.test.insertOne({a: 1}, {writeConcern: 5})')).toMatch(/writeConcern must be an object/);
  });

  it('prints server errors with their code name', async () => {
    const { repl } = setup();
    expect(await out(repl, 'rs.conf()')).toBe('MongoServerError[NotYetInitialized]: no replset config has been received\n');
    expect(await out(repl, 'db.adminCommand({bogus: 1})')).toBe("MongoServerError[CommandNotFound]: no such command: 'bogus'\n");
  });
});

describe('mongosh: CRUD and printing', () => {
  it('inserts and finds, printing as mongosh does', async () => {
    const { repl } = setup();
    expect(await out(repl, 'db.test.insertOne({x: 1})')).toBe("{\n  acknowledged: true,\n  insertedId: ObjectId('65f1c2d3e4f5a6b7c8d9e001')\n}\n");
    expect(await out(repl, 'db.test.insertMany([{x: 2}, {x: 3, name: "it\'s"}])')).toBe(
      "{\n  acknowledged: true,\n  insertedIds: {\n    '0': ObjectId('65f1c2d3e4f5a6b7c8d9e002'),\n    '1': ObjectId('65f1c2d3e4f5a6b7c8d9e003')\n  }\n}\n",
    );
    expect(await out(repl, 'db.test.findOne({x: 1})')).toBe("{ _id: ObjectId('65f1c2d3e4f5a6b7c8d9e001'), x: 1 }\n");
    expect(await out(repl, 'db.test.find()')).toBe(
      "[\n  { _id: ObjectId('65f1c2d3e4f5a6b7c8d9e001'), x: 1 },\n  { _id: ObjectId('65f1c2d3e4f5a6b7c8d9e002'), x: 2 },\n  { _id: ObjectId('65f1c2d3e4f5a6b7c8d9e003'), x: 3, name: \"it's\" }\n]\n",
    );
    expect(await out(repl, 'db.test.countDocuments()')).toBe('3\n');
    expect(await out(repl, 'db.test.updateOne({x: 2}, {$set: {y: true}})')).toBe(
      '{\n  acknowledged: true,\n  insertedId: null,\n  matchedCount: 1,\n  modifiedCount: 1,\n  upsertedCount: 0\n}\n',
    );
    expect(await out(repl, 'db.test.updateOne({x: 2}, {y: 1})')).toBe('MongoInvalidArgumentError: Update document requires atomic operators\n');
    expect(await out(repl, 'db.test.deleteOne({x: 2})')).toBe('{ acknowledged: true, deletedCount: 1 }\n');
    expect(await out(repl, 'db.getCollection("test").countDocuments({})')).toBe('2\n');
    expect(await out(repl, 'db.getName()')).toBe('test\n');
  });

  it('iterates cursors with forEach and map', async () => {
    const { repl } = setup();
    await out(repl, 'db.t.insertMany([{x: 1}, {x: 2}])');
    expect(await out(repl, 'db.t.find().forEach(printjson)')).toBe(
      "{ _id: ObjectId('65f1c2d3e4f5a6b7c8d9e001'), x: 1 }\n{ _id: ObjectId('65f1c2d3e4f5a6b7c8d9e002'), x: 2 }\n",
    );
    expect(await out(repl, 'db.t.find().map(d => d.x * 10)')).toBe('[ 10, 20 ]\n');
    expect(await out(repl, 'db.t.find().toArray().length')).toBe('2\n');
    expect(repl.endOfInput()).toEqual({ text: '', exit: true });
  });

  it('pages a cursor with it', async () => {
    const { repl } = setup();
    await out(repl, 'db.many.insertMany(' + JSON.stringify(Array.from({ length: 25 }, (_, i) => ({ i }))) + ')');
    const first = await out(repl, 'db.many.find()');
    expect(first.trimEnd().endsWith('Type "it" for more')).toBe(true);
    expect(first.match(/ObjectId/g)?.length).toBe(20);
    const second = await out(repl, 'it');
    expect(second.match(/ObjectId/g)?.length).toBe(5);
    expect(second).not.toContain('Type "it"');
    expect(await out(repl, 'it')).toBe('no cursor\n');
  });

  it('switches databases and shows dbs and collections', async () => {
    const { repl } = setup();
    expect(await out(repl, 'use foo')).toBe('switched to db foo\n');
    expect(await out(repl, 'use foo')).toBe('already on db foo\n');
    expect(repl.prompt()).toBe('foo> ');
    expect(await out(repl, 'show dbs')).toBe('admin   40.00 KiB\nconfig  12.00 KiB\nlocal   72.00 KiB\ntest     8.00 KiB\n');
    await out(repl, 'db.b.insertOne({})');
    await out(repl, 'db.a.insertOne({})');
    expect(await out(repl, 'show collections')).toBe('a\nb\n');
    expect(await out(repl, 'show nope')).toBe('MongoshInvalidInputError: [COMMON-10001] \'nope\' is not a valid argument for "show".\n');
  });

  it('keeps variables, BSON constructors and arrow functions', async () => {
    const { repl } = setup();
    expect(await out(repl, 'const cfg = {_id: "foo", members: [{_id: 0, host: "morton.local:27017"}]}')).toBe('');
    expect(await out(repl, 'cfg.members[0].host')).toBe('morton.local:27017\n');
    expect(await out(repl, 'cfg = 1')).toBe('TypeError: Assignment to constant variable.\n');
    expect(await out(repl, 'let n = NumberLong(5); n')).toBe("Long('5')\n");
    expect(await out(repl, 'ObjectId("65f1c2d3e4f5a6b7c8d9e0f1")')).toBe("ObjectId('65f1c2d3e4f5a6b7c8d9e0f1')\n");
    expect(await out(repl, 'ISODate("2026-11-25T13:00:00Z")')).toBe("ISODate('2026-11-25T13:00:00.000Z')\n");
    expect(await out(repl, 'ObjectId("xyz")')).toBe('BSONError: input must be a 24 character hex string, 12 byte Uint8Array, or an integer\n');
    expect(await out(repl, '[1, 2, 3].map(x => x * 2)')).toBe('[ 2, 4, 6 ]\n');
    expect(await out(repl, "'a' + 1")).toBe('a1\n');
    expect(await out(repl, '`template`')).toBe('template\n');
    expect(await out(repl, '{a: 1}')).toBe('{ a: 1 }\n');
    expect(await out(repl, 'x')).toBe('ReferenceError: x is not defined\n');
    expect(await out(repl, 'db.test.foo()')).toBe('TypeError: db.test.foo is not a function\n');
    expect(await out(repl, 'rs.nope()')).toBe('TypeError: rs.nope is not a function\n');
    expect(await out(repl, 'cfg.nothing.deeper')).toBe("TypeError: Cannot read properties of undefined (reading 'deeper')\n");
    expect(await out(repl, 'cfg.constructor')).toBe('');
  });

  it('prints syntax errors as Babel words them, with the code frame', async () => {
    const { repl } = setup();
    expect(await out(repl, 'x = = 1')).toBe('SyntaxError: Unexpected token (1:4)\n\n> 1 | x = = 1\n    |     ^\n\n');
    expect(await out(repl, 'db.test.insertOne({x:1}})')).toBe(
      'SyntaxError: Unexpected token, expected "," (1:23)\n\n> 1 | db.test.insertOne({x:1}})\n    |                        ^\n\n',
    );
    expect(await out(repl, 'foo bar')).toBe('SyntaxError: Missing semicolon. (1:3)\n\n> 1 | foo bar\n    |    ^\n\n');
    expect(await out(repl, 'ObjectId("abc)')).toBe('SyntaxError: Unterminated string constant. (1:9)\n\n> 1 | ObjectId("abc)\n    |          ^\n\n');
    expect(await out(repl, 'x = {a b}')).toBe('SyntaxError: Unexpected token, expected "," (1:7)\n\n> 1 | x = {a b}\n    |        ^\n\n');
    expect(await out(repl, 'const x; 1')).toBe('SyntaxError: Missing initializer in const declaration. (1:7)\n\n> 1 | const x; 1\n    |        ^\n\n');
    expect(await out(repl, ')')).toBe('SyntaxError: Unexpected token (1:0)\n\n> 1 | )\n    | ^\n\n');
  });

  it('continues unfinished input on the next line', async () => {
    const { repl, backend } = setup();
    expect((await run(repl, 'rs.initiate({')).outcome).toEqual({ continuation: true });
    expect(repl.prompt()).toBe('... ');
    expect((await run(repl, '  _id: "foo",')).outcome).toEqual({ continuation: true });
    expect(await out(repl, '  members: [{_id: 0, host: "morton.local:27017"}]})')).toContain("ok: 1");
    expect(backend.commands[0]?.command).toEqual({ replSetInitiate: { _id: 'foo', members: [{ _id: 0, host: 'morton.local:27017' }] } });
  });
});

describe('mongosh: prompt, banner, exit and hostile input', () => {
  it('derives the prompt from the topology as mongosh does', () => {
    const { repl, backend } = setup();
    expect(repl.prompt()).toBe('test> ');
    backend.topo = { type: 'Single', setName: 'foo', servers: [{ address: 'morton.local:27017', type: 'RSPrimary', setName: 'foo' }] };
    expect(repl.prompt()).toBe('foo [direct: primary] test> ');
    backend.topo = { type: 'Single', setName: 'foo', servers: [{ address: 'morton.local:27018', type: 'RSSecondary', setName: 'foo' }] };
    expect(repl.prompt()).toBe('foo [direct: secondary] test> ');
    backend.topo = { type: 'ReplicaSetWithPrimary', setName: 'foo', servers: [] };
    expect(repl.prompt()).toBe('foo [primary] test> ');
    backend.topo = { type: 'ReplicaSetNoPrimary', setName: 'foo', servers: [] };
    expect(repl.prompt()).toBe('foo [secondary] test> ');
  });

  it('prints the connect banner lines', () => {
    const { repl } = setup();
    expect(mongoshConnectingBanner('65f1c2d3e4f5a6b7c8d9e0f1', 'mongodb://x')).toBe(
      'Current Mongosh Log ID:\t65f1c2d3e4f5a6b7c8d9e0f1\nConnecting to:\t\tmongodb://x\n',
    );
    expect(repl.banner()).toBe(
      'Using MongoDB:\t\t7.0.14\nUsing Mongosh:\t\t2.12.0\n\nFor mongosh info see: https://www.mongodb.com/docs/mongodb-shell/\n\n',
    );
  });

  it('normalizes the URI argument like mongosh', () => {
    expect(normalizeMongoshUri(null).uri).toBe('mongodb://127.0.0.1:27017/?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+2.12.0');
    expect(normalizeMongoshUri('mongodb://morton.local:27017').uri).toBe('mongodb://morton.local:27017/?directConnection=true&appName=mongosh+2.12.0');
    expect(normalizeMongoshUri('mongodb://morton.local:27017,morton.local:27018/?replicaSet=foo')).toEqual({
      uri: 'mongodb://morton.local:27017,morton.local:27018/?replicaSet=foo&appName=mongosh+2.12.0',
      db: 'test',
    });
    expect(normalizeMongoshUri('morton.local:27018/app')).toEqual({
      uri: 'mongodb://morton.local:27018/app?directConnection=true&appName=mongosh+2.12.0',
      db: 'app',
    });
  });

  it('exits on exit, quit, exit() and .exit', async () => {
    for (const line of ['exit', 'quit', 'exit()', 'quit()', '.exit']) {
      const { repl } = setup();
      expect((await run(repl, line)).outcome, line).toEqual({ exit: true });
    }
  });

  it('prints network errors and Ctrl-C', async () => {
    const { repl, backend } = setup();
    backend.failWith = new MongoshBackendError('MongoNetworkError', 'connection 3 to 127.0.0.1:27017 closed');
    expect(await out(repl, 'db.test.findOne()')).toBe('MongoNetworkError: connection 3 to 127.0.0.1:27017 closed\n');
    backend.failWith = null;
    backend.hang = true;
    const controller = new AbortController();
    const pending = run(repl, 'db.test.findOne()', controller.signal);
    await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const r = await pending;
    expect(r.output).toBe('Stopping execution...\n');
    expect(r.progress).toEqual(['waiting for a primary… 1s', null]);
  });

  it('prints circular arrays as Node does', async () => {
    const { repl } = setup();
    expect(await out(repl, 'let x = [1]; x.push(x); x')).toBe('<ref *1> [ 1, [Circular *1] ]\n');
  });

  it('refuses operator chains the evaluator would recurse too deep on', async () => {
    const { repl } = setup();
    expect(await out(repl, 'db' + '.b'.repeat(50_000))).toBe('RangeError: Maximum call stack size exceeded\n');
    expect(await out(repl, '1' + '+1'.repeat(999))).toBe('1000\n');
    expect(await out(repl, '1' + '+1'.repeat(50_000))).toBe('RangeError: Maximum call stack size exceeded\n');
  });

  it('never throws out of the REPL', async () => {
    const { repl } = setup();
    const lines = [
      'a'.repeat(100 * 1024),
      '['.repeat(500) + ']'.repeat(500),
      '{'.repeat(300),
      '\u0000\u0001garbage',
      String.fromCharCode(...Array.from({ length: 2000 }, (_, i) => (i * 7919) % 65536)),
      'function f() {}',
      'while (true) {}',
      'x'.repeat(300 * 1024),
      '"\\u{110000}"',
      'this.constructor.constructor("return process")()',
      '[].map.constructor("x")',
      '({}).__proto__',
      '{__proto__: 1}',
    ];
    for (const line of lines) {
      const r = await run(repl, line);
      if (r.outcome.continuation) repl.interrupt();
      expect(repl.prompt(), line.slice(0, 30)).toBe('test> ');
    }
    expect(await out(repl, '['.repeat(500) + ']'.repeat(500))).toContain('SyntaxError: Maximum nesting depth exceeded');
    expect(await out(repl, 'this.constructor.constructor("return process")()')).toBe(
      "TypeError: Cannot read properties of undefined (reading 'constructor')\n",
    );
    expect(await out(repl, '[].map.constructor("x")')).toBe('TypeError: [].map.constructor is not a function\n');
    expect(await out(repl, '{__proto__: 1}')).toBe("{ ['__proto__']: 1 }\n");
    expect(await out(repl, 'x'.repeat(300 * 1024))).toContain('input too long');
  });
});

describe('mongosh: a whole session', () => {
  it('reads like a terminal', async () => {
    const { repl } = setup();
    expect(await transcript(repl, ['use app', 'db.people.insertOne({name: "Ada"})', 'db.people.findOne()'])).toBe(
      "test> use app\nswitched to db app\napp> db.people.insertOne({name: \"Ada\"})\n{\n  acknowledged: true,\n  insertedId: ObjectId('65f1c2d3e4f5a6b7c8d9e001')\n}\napp> db.people.findOne()\n{ _id: ObjectId('65f1c2d3e4f5a6b7c8d9e001'), name: 'Ada' }\n",
    );
  });
});
