import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeServer, type Answer } from './helpers/fakeServer';

/**
 * Tab on PyMongo objects, as CPython's rlcompleter (what `python` with readline uses) answers:
 * the whole dotted expression, `(` after a callable. The hand-written interpreter's completion
 * tests asked the same questions (db.test.find → find, find_one; Connection's save and port).
 */
describe('Tab completion on PyMongo objects, rlcompleter style', () => {
  const server = new FakeServer();
  const ok = { $numberDouble: '1.0' };
  beforeAll(async () => {
    server.answer = (call): Answer => {
      if (call.method === 'connect') return { ok: true, result: { client: 'c1' } };
      if (call.method === 'runCommand') return { ok: true, result: { document: { ok }, servedBy: 'morton.local:27017' } };
      if (call.method === 'topology') return { ok: true, result: { type: 'Single', setName: null, primary: null, servers: [] } };
      return { ok: false, error: { name: 'RpcInvalid', message: `not scripted: ${call.method}` } };
    };
    await server.start();
    const out = await server.lines(
      'import pymongo, pymongo.errors',
      'from pymongo import MongoClient, Connection',
      'db = MongoClient("morton.local").test',
      'old = Connection("morton.local:27017", slave_okay=True).test',
    );
    expect(out).toBe('');
  }, 120_000);
  afterAll(() => server.dispose());

  const complete = async (line: string) => {
    const completion = await server.host.complete('t1', line, line.length);
    if (completion === null) throw new Error(`no completion answer for ${JSON.stringify(line)}`);
    return completion;
  };

  it('completes names from the namespace and builtins, from the last word', async () => {
    expect(await complete('MongoC')).toEqual({ replaceFrom: 0, candidates: ['MongoClient('] });
    expect(await complete('x = pr')).toEqual({ replaceFrom: 4, candidates: ['print(', 'property('] });
  });

  it("completes today's Collection and Database methods as dotted expressions", async () => {
    const find = await complete('db.test.find');
    expect(find.replaceFrom).toBe(0);
    expect(find.candidates).toEqual(expect.arrayContaining(['db.test.find(', 'db.test.find_one(', 'db.test.find_one_and_update(']));
    expect(find.candidates.every((candidate) => candidate.startsWith('db.test.find'))).toBe(true);
    expect((await complete('db.test.ins')).candidates).toEqual(['db.test.insert_many(', 'db.test.insert_one(']);
    expect((await complete('db.comm')).candidates).toEqual(['db.command(']);
  });

  it("completes 1.8's save and the connection's port (a property: no parenthesis)", async () => {
    expect((await complete('old.test.sa')).candidates).toEqual(['old.test.save(']);
    expect((await complete('old.connection.po')).candidates).toEqual(['old.connection.port']);
  });

  it('completes modules and exception classes', async () => {
    expect((await complete('pymongo.er')).candidates).toEqual(['pymongo.errors']);
    expect((await complete('pymongo.errors.AutoRe')).candidates).toEqual(['pymongo.errors.AutoReconnect(']);
  });

  it('completes nothing after a call, as rlcompleter (it never evaluates calls)', async () => {
    expect(await complete('db.test.find({}).li')).toEqual({ replaceFrom: 16, candidates: [] });
  });
});
