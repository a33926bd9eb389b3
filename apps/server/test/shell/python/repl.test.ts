import { describe, expect, it } from 'vitest';
import { PyMongoBackendError } from '../../../src/shell/python/backend';
import { PythonRepl } from '../../../src/shell/python/repl';
import { run, transcript } from '../harness';
import { FakePyMongoBackend } from './fakeBackend';

function setup() {
  const backend = new FakePyMongoBackend();
  let n = 0;
  const repl = new PythonRepl({ backend, newObjectIdHex: () => `5f0000000000000000000${String(++n).padStart(3, '0')}` });
  return { backend, repl };
}

async function out(repl: PythonRepl, line: string): Promise<string> {
  return (await run(repl, line)).output;
}

describe('the walkthrough in Python', () => {
  it('runs the 2010 lines and prints what Python 3 prints', async () => {
    const { repl, backend } = setup();
    const screen = await transcript(repl, [
      'from pymongo import Connection',
      'c = Connection("morton.local:27017", slave_okay=True)',
      'c.admin.command("replSetInitiate")',
      'Connection("morton.local")',
      'Connection("morton.local:27018")',
      'Connection("morton.local", 27019)',
      'Connection(["morton.local:27018", "morton.local:27019"])',
      'Connection("morton.local:27017,morton.local:27018,morton.local:27019")',
      'db = Connection("morton.local").test',
      'db.test.save({"x": 1})',
      'db.test.find_one()',
      'db.connection.host',
      'db.connection.port',
    ]);
    expect(screen).toBe(
      [
        '>>> from pymongo import Connection',
        '>>> c = Connection("morton.local:27017", slave_okay=True)',
        '>>> c.admin.command("replSetInitiate")',
        "{'info2': 'no configuration specified. Using a default configuration for the set', 'me': 'morton.local:27017', 'ok': 1.0}",
        '>>> Connection("morton.local")',
        "Connection('morton.local', 27017)",
        '>>> Connection("morton.local:27018")',
        "Connection('morton.local', 27018)",
        '>>> Connection("morton.local", 27019)',
        "Connection('morton.local', 27019)",
        '>>> Connection(["morton.local:27018", "morton.local:27019"])',
        "Connection(['morton.local:27018', 'morton.local:27019'])",
        '>>> Connection("morton.local:27017,morton.local:27018,morton.local:27019")',
        "Connection(['morton.local:27017', 'morton.local:27018', 'morton.local:27019'])",
        '>>> db = Connection("morton.local").test',
        '>>> db.test.save({"x": 1})',
        "ObjectId('5f0000000000000000000001')",
        '>>> db.test.find_one()',
        "{'_id': ObjectId('5f0000000000000000000001'), 'x': 1}",
        '>>> db.connection.host',
        "'morton.local'",
        '>>> db.connection.port',
        '27017',
        '',
      ].join('\n'),
    );
    expect(backend.connects[0]).toMatchObject({ api: 'connection-1.8', slaveOkay: true, seeds: [{ host: 'morton.local', port: 27017 }] });
    expect(backend.commands[0]).toEqual({ db: 'admin', command: { replSetInitiate: 1 } });
  });

  it('raises AutoReconnect as a traceback after the primary dies, then answers again', async () => {
    const { repl, backend } = setup();
    await out(repl, 'from pymongo import Connection');
    await out(repl, 'db = Connection("morton.local").test');
    await out(repl, 'db.test.save({"x": 1})');
    backend.failWith = new PyMongoBackendError('AutoReconnect', 'connection closed');
    expect(await out(repl, 'db.test.find_one()')).toBe(
      'Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\npymongo.errors.AutoReconnect: connection closed\n',
    );
    backend.failWith = null;
    backend.primary = { host: 'morton.local', port: 27018 };
    expect(await out(repl, 'db.test.find_one()')).toBe("{'_id': ObjectId('5f0000000000000000000001'), 'x': 1}\n");
    expect(await out(repl, 'db.connection.port')).toBe('27018\n');
  });

  it('refuses slave_okay with more than one seed, as 1.8 did', async () => {
    const { repl } = setup();
    await out(repl, 'from pymongo import Connection');
    expect(await out(repl, 'Connection(["a:1", "b:2"], slave_okay=True)')).toContain(
      'pymongo.errors.ConfigurationError: cannot specify slave_okay for a paired or replica set connection\n',
    );
  });

  it('passes a config to replSetInitiate in both spellings', async () => {
    const { repl, backend } = setup();
    await out(repl, 'import pymongo');
    await out(repl, 'c = pymongo.MongoClient("mongodb://morton.local:27017/?directConnection=true")');
    await out(repl, 'cfg = {"_id": "foo", "members": [{"_id": 0, "host": "morton.local:27017"}]}');
    await out(repl, 'c.admin.command("replSetInitiate", cfg)');
    await out(repl, 'c.admin.command({"replSetInitiate": cfg})');
    const expected = { replSetInitiate: { _id: 'foo', members: [{ _id: 0, host: 'morton.local:27017' }] } };
    expect(JSON.parse(JSON.stringify(backend.commands[0]?.command))).toEqual(expected);
    expect(JSON.parse(JSON.stringify(backend.commands[1]?.command))).toEqual(expected);
    expect(backend.connects[0]).toMatchObject({ api: 'mongo-client', directConnection: true, uri: 'mongodb://morton.local:27017/?directConnection=true' });
  });

  it('raises OperationFailure for a failed command with PyMongo 4 text', async () => {
    const { repl } = setup();
    await out(repl, 'from pymongo import MongoClient');
    await out(repl, 'c = MongoClient("morton.local")');
    expect(await out(repl, 'c.admin.command("bogus")')).toContain(
      "pymongo.errors.OperationFailure: no such command: 'bogus', full error: {'ok': 0, 'errmsg': \"no such command: 'bogus'\", 'code': 59, 'codeName': 'CommandNotFound'}\n",
    );
  });
});

describe("today's PyMongo", () => {
  it('reports addresses, primary, secondaries and nodes', async () => {
    const { repl } = setup();
    await out(repl, 'from pymongo import MongoClient');
    await out(repl, 'client = MongoClient("morton.local", replicaSet="foo", serverSelectionTimeoutMS=2000)');
    expect(await out(repl, 'client')).toBe(
      "MongoClient(host=['morton.local:27017'], document_class=dict, tz_aware=False, connect=True, replicaset='foo', serverselectiontimeoutms=2000)\n",
    );
    expect(await out(repl, 'client.address')).toBe("('morton.local', 27017)\n");
    expect(await out(repl, 'client.primary')).toBe("('morton.local', 27017)\n");
    expect(await out(repl, 'client.secondaries')).toBe("{('morton.local', 27018), ('morton.local', 27019)}\n");
    expect(await out(repl, 'client.nodes')).toBe(
      "frozenset({('morton.local', 27017), ('morton.local', 27018), ('morton.local', 27019)})\n",
    );
    expect(await out(repl, 'client.close()')).toBe('');
  });

  it('inserts, finds, updates, counts and deletes', async () => {
    const { repl } = setup();
    await out(repl, 'from pymongo import MongoClient');
    await out(repl, 'db = MongoClient("morton.local")["test"]');
    const r = await out(repl, 'r = db.test.insert_one({"x": 1, "name": "it\'s"})');
    expect(r).toBe('');
    expect(await out(repl, 'r')).toMatch(/^<pymongo\.results\.InsertOneResult object at 0x7f[0-9a-f]+>\n$/);
    expect(await out(repl, 'r.inserted_id')).toBe("ObjectId('5f0000000000000000000001')\n");
    await out(repl, 'db.test.insert_many([{"x": 2}, {"x": 3.5}])');
    expect(await out(repl, 'db.test.count_documents({})')).toBe('3\n');
    expect(await out(repl, 'db.test.find_one({"x": 1})')).toBe(
      "{'_id': ObjectId('5f0000000000000000000001'), 'x': 1, 'name': \"it's\"}\n",
    );
    expect(await out(repl, 'c = db.test.find()')).toBe('');
    expect(await out(repl, 'c')).toMatch(/^<pymongo\.cursor\.Cursor object at 0x7f[0-9a-f]+>\n$/);
    expect(await out(repl, 'len(list(db.test.find()))')).toBe('3\n');
    expect(await out(repl, 'db.test.update_one({"x": 2}, {"$set": {"y": True}}).modified_count')).toBe('1\n');
    expect(await out(repl, 'db.test.update_one({"x": 2}, {"y": 1})')).toContain('ValueError: update only works with $ operators\n');
    expect(await out(repl, 'db.test.delete_one({"x": 2}).deleted_count')).toBe('1\n');
    expect(await out(repl, 'db.name')).toBe("'test'\n");
    expect(await out(repl, 'db.test.find_one({"x": 3.5})')).toBe("{'_id': ObjectId('5f0000000000000000000003'), 'x': 3.5}\n");
  });

  it('iterates a cursor in a for loop typed on one or two lines', async () => {
    const { repl } = setup();
    await out(repl, 'from pymongo import MongoClient');
    await out(repl, 'db = MongoClient().test');
    await out(repl, 'db.test.insert_many([{"x": 1}, {"x": 2}])');
    const one = await run(repl, 'for doc in db.test.find(): print(doc)');
    expect(one.outcome).toEqual({ continuation: true });
    expect(repl.prompt()).toBe('... ');
    expect(await out(repl, '')).toBe(
      "{'_id': ObjectId('5f0000000000000000000001'), 'x': 1}\n{'_id': ObjectId('5f0000000000000000000002'), 'x': 2}\n",
    );
    expect(repl.prompt()).toBe('>>> ');
    await out(repl, 'for doc in db.test.find({"x": 2}):');
    await out(repl, '    print(doc["x"])');
    expect(await out(repl, '')).toBe('2\n');
  });

  it('says save is gone in PyMongo 4, as PyMongo 4 does', async () => {
    const { repl } = setup();
    await out(repl, 'from pymongo import MongoClient');
    await out(repl, 'db = MongoClient().test');
    expect(await out(repl, 'db.test.save({"x": 1})')).toContain(
      "TypeError: 'Collection' object is not callable. If you meant to call the 'save' method on a 'Collection' object it is failing because no such method exists.\n",
    );
    expect(await out(repl, 'db.connection')).toContain("'connection')");
  });

  it('shows a progress status and turns Ctrl-C into KeyboardInterrupt', async () => {
    const { repl, backend } = setup();
    await out(repl, 'from pymongo import MongoClient');
    await out(repl, 'db = MongoClient().test');
    backend.hang = true;
    const controller = new AbortController();
    const pending = run(repl, 'db.test.find_one()', controller.signal);
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    const result = await pending;
    expect(result.output).toBe('Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\nKeyboardInterrupt\n');
    expect(result.progress[0]).toBe('waiting for a primary… 1s');
    expect(result.progress.at(-1)).toBeNull();
  });

  it('imports pymongo names and errors', async () => {
    const { repl } = setup();
    expect(await out(repl, 'import pymongo')).toBe('');
    expect(await out(repl, 'pymongo.errors.AutoReconnect')).toBe("<class 'pymongo.errors.AutoReconnect'>\n");
    expect(await out(repl, 'from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError')).toBe('');
    expect(await out(repl, 'from pymongo import ReadPreference')).toBe('');
    expect(await out(repl, 'ReadPreference.SECONDARY_PREFERRED')).toBe('SecondaryPreferred(tag_sets=None, max_staleness=-1, hedge=None)\n');
    expect(await out(repl, 'from pymongo import Nope')).toContain(
      "ImportError: cannot import name 'Nope' from 'pymongo' (/usr/lib/python3/dist-packages/pymongo/__init__.py)\n",
    );
    expect(await out(repl, 'import mongo')).toContain("ModuleNotFoundError: No module named 'mongo'\n");
  });
});

describe('Python itself', () => {
  it('prints literals as Python 3 reprs them', async () => {
    const { repl } = setup();
    const cases: Array<[string, string]> = [
      ['1', '1'],
      ['1.0', '1.0'],
      ['1e20', '1e+20'],
      ['0.1 + 0.2', '0.30000000000000004'],
      ['-2.5e-7', '-2.5e-07'],
      ['float("nan")', 'nan'],
      ['"it\'s"', '"it\'s"'],
      ["'say \"hi\"'", '\'say "hi"\''],
      ['\'both \\\' and "\'', '\'both \\\' and "\''],
      ['"tab\\there"', "'tab\\there'"],
      ['True', 'True'],
      ['None', ''],
      ['(1,)', '(1,)'],
      ['[1, (2, 3), {"a": None}]', "[1, (2, 3), {'a': None}]"],
      ["b'ab\\x00'", "b'ab\\x00'"],
      ['{1, 2}', '{1, 2}'],
      ['7 // 2, -7 // 2, 7 % -3', '(3, -4, -2)'],
      ['2 ** 100', '1267650600228229401496703205376'],
      ['u"x"', "'x'"],
      ['"ab" "cd"', "'abcd'"],
      ['[x * 2 for x in range(3)]', '[0, 2, 4]'],
    ];
    for (const [input, shown] of cases) {
      expect(await out(repl, input), input).toBe(shown === '' ? '' : `${shown}\n`);
    }
  });

  it('prints NameError, TypeError, AttributeError and KeyError tracebacks', async () => {
    const { repl } = setup();
    const tb = (last: string) => `Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n${last}\n`;
    expect(await out(repl, 'x')).toBe(tb("NameError: name 'x' is not defined"));
    expect(await out(repl, '1 + "a"')).toBe(tb("TypeError: unsupported operand type(s) for +: 'int' and 'str'"));
    expect(await out(repl, '"a" + 1')).toBe(tb('TypeError: can only concatenate str (not "int") to str'));
    expect(await out(repl, '{"a": 1}["b"]')).toBe(tb("KeyError: 'b'"));
    expect(await out(repl, '[1][5]')).toBe(tb('IndexError: list index out of range'));
    expect(await out(repl, '"x".nope')).toBe(tb("AttributeError: 'str' object has no attribute 'nope'"));
    expect(await out(repl, '5()')).toBe(tb("TypeError: 'int' object is not callable"));
    expect(await out(repl, '1 / 0')).toBe(tb('ZeroDivisionError: division by zero'));
    expect(await out(repl, 'len(5)')).toBe(tb("TypeError: object of type 'int' has no len()"));
    expect(await out(repl, 'import pymongo')).toBe('');
    expect(await out(repl, 'pymongo.Nope')).toBe(tb("AttributeError: module 'pymongo' has no attribute 'Nope'"));
    expect(await out(repl, 'pymongo.MongoClient(port="x")')).toBe(tb('TypeError: port must be an instance of int'));
    expect(await out(repl, 'pymongo.MongoClient(fooo=1)')).toBe(tb('pymongo.errors.ConfigurationError: Unknown option fooo'));
    expect(await out(repl, 'pymongo.MongoClient().test.test.insert_one(5)')).toBe(
      tb(
        'TypeError: document must be an instance of dict, bson.son.SON, bson.raw_bson.RawBSONDocument, or a type that inherits from collections.MutableMapping',
      ),
    );
    expect(await out(repl, 'pymongo.MongoClient().test.test.count_documents()')).toBe(
      tb("TypeError: Collection.count_documents() missing 1 required positional argument: 'filter'"),
    );
  });

  it('prints SyntaxErrors with the caret where Python 3.11 puts it', async () => {
    const { repl } = setup();
    expect(await out(repl, 'x = = 1')).toBe('  File "<stdin>", line 1\n    x = = 1\n        ^\nSyntaxError: invalid syntax\n');
    expect(await out(repl, 'print("abc)')).toBe(
      '  File "<stdin>", line 1\n    print("abc)\n          ^\nSyntaxError: unterminated string literal (detected at line 1)\n',
    );
    expect(await out(repl, 'print "hello"')).toBe(
      '  File "<stdin>", line 1\n    print "hello"\n    ^^^^^^^^^^^^^\nSyntaxError: Missing parentheses in call to \'print\'. Did you mean print(...)?\n',
    );
    expect(await out(repl, 'x)')).toBe("  File \"<stdin>\", line 1\n    x)\n     ^\nSyntaxError: unmatched ')'\n");
    expect(await out(repl, '(1]')).toBe(
      "  File \"<stdin>\", line 1\n    (1]\n      ^\nSyntaxError: closing parenthesis ']' does not match opening parenthesis '('\n",
    );
    expect(await out(repl, '  x = 1')).toBe('  File "<stdin>", line 1\n    x = 1\nIndentationError: unexpected indent\n');
    expect(await out(repl, 'a €')).toBe("  File \"<stdin>\", line 1\n    a €\n      ^\nSyntaxError: invalid character '€' (U+20AC)\n");
    expect(await out(repl, 'for x in y')).toBe('  File "<stdin>", line 1\n    for x in y\n              ^\nSyntaxError: expected \':\'\n');
  });

  it('asks for more lines inside brackets and joins them', async () => {
    const { repl } = setup();
    expect((await run(repl, 'x = {"a": 1,')).outcome).toEqual({ continuation: true });
    expect(repl.prompt()).toBe('... ');
    expect((await run(repl, '     "b": 2}')).outcome).toEqual({});
    expect(await out(repl, 'x')).toBe("{'a': 1, 'b': 2}\n");
  });

  it('never throws out of the REPL on hostile input', async () => {
    const { repl } = setup();
    const garbage = [
      'big = "' + 'a'.repeat(100 * 1024) + '"',
      '(' .repeat(300) + ')'.repeat(300),
      '[' .repeat(150) + ']'.repeat(150),
      '-'.repeat(500) + '1',
      'not '.repeat(300) + 'True',
      '\u0000\u0001\u00ff\ud800garbage',
      String.fromCharCode(...Array.from({ length: 2000 }, (_, i) => (i * 7919) % 65536)),
      'a'.repeat(300 * 1024),
      '"\\x4"',
      '10 ** 10 ** 10',
      '"a" * 10 ** 9',
      'exec "x"',
      'def f(): pass',
      'lambda: 1',
      'x = 1; y = 2',
      'for',
      'from',
      'import',
      '@',
      '0777',
    ];
    for (const line of garbage) {
      const r = await run(repl, line);
      expect(r.outcome.exit).toBeUndefined();
      if (r.outcome.continuation) await run(repl, '');
      expect(repl.prompt(), line.slice(0, 40)).toBe('>>> ');
    }
    expect(await out(repl, 'len(big)')).toBe('102400\n');
    expect(await out(repl, '(' .repeat(300) + ')'.repeat(300))).toContain('SyntaxError: too many nested parentheses\n');
    expect(await out(repl, '\u0001')).toContain('SyntaxError: invalid non-printable character U+0001\n');
    expect(await out(repl, 'a'.repeat(300 * 1024))).toContain('LabError: input too long');
    expect(await out(repl, '10 ** 10 ** 10')).toContain('MemoryError');
    expect(await out(repl, 'def f(): pass')).toBe("LabError: 'def' statements are not supported in this lab's Python\n");
  });

  it('prints self-containing containers as CPython does', async () => {
    const { repl } = setup();
    await out(repl, 'x = [1]; x.append(x)');
    expect(await out(repl, 'x')).toBe('[1, [...]]\n');
    expect(await out(repl, 'x == x')).toBe('True\n');
    await out(repl, "d = {}; d['d'] = d");
    expect(await out(repl, 'd')).toBe("{'d': {...}}\n");
  });

  it('refuses operator chains the evaluator would recurse too deep on', async () => {
    const { repl } = setup();
    expect(await out(repl, 'a' + '.b'.repeat(50_000))).toBe('RecursionError: maximum recursion depth exceeded during compilation\n');
    expect(await out(repl, '1' + '+1'.repeat(999))).toBe('1000\n');
    expect(await out(repl, '1' + '+1'.repeat(50_000))).toBe('RecursionError: maximum recursion depth exceeded during compilation\n');
    expect(await out(repl, 'True' + ' and True'.repeat(5000))).toBe('RecursionError: maximum recursion depth exceeded during compilation\n');
  });

  it('leaves on exit() and quit(), and shows their repr', async () => {
    const { repl } = setup();
    expect(await out(repl, 'exit')).toBe('Use exit() or Ctrl-D (i.e. EOF) to exit\n');
    expect((await run(repl, 'exit()')).outcome).toEqual({ exit: true });
    expect((await run(repl, 'quit()')).outcome).toEqual({ exit: true });
    await run(repl, 'x = (1,');
    expect(repl.endOfInput()).toEqual({ text: '\n', exit: false });
    expect(repl.prompt()).toBe('>>> ');
    expect(repl.endOfInput()).toEqual({ text: '\n', exit: true });
    await run(repl, 'for x in [1]:');
    expect(repl.interrupt()).toBe('\nKeyboardInterrupt\n');
    expect(repl.prompt()).toBe('>>> ');
    expect(repl.banner()).toMatch(/^Python 3\.11\.\d+ \(main, .*\) \[GCC .*\] on linux\nType "help", "copyright", "credits" or "license" for more information\.\n$/);
  });
});
