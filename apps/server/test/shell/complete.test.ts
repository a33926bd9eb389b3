import { describe, expect, it } from 'vitest';
import { completeBash, completeMongosh, completePython } from '../../src/shell/complete';
import { MongoshRepl } from '../../src/shell/mongosh/repl';
import { PythonRepl } from '../../src/shell/python/repl';
import { run } from './harness';
import { FakeMongoshBackend } from './mongosh/fakeBackend';
import { FakePyMongoBackend } from './python/fakeBackend';

describe('bash completion', () => {
  const host = { ps: () => [{ pid: 12345, args: ['mongod'], cpuSeconds: 0, startedAtMillis: 0 }, { pid: 12399, args: ['mongod'], cpuSeconds: 0, startedAtMillis: 0 }] };
  it('completes commands, mongod flags and PIDs', () => {
    expect(completeBash('mon', 3, host)).toEqual({ replaceFrom: 0, candidates: ['mongod', 'mongosh'] });
    expect(completeBash('mongod --re', 11, host)).toEqual({ replaceFrom: 7, candidates: ['--replSet', '--rest'] });
    expect(completeBash('kill -9 123', 11, host)).toEqual({ replaceFrom: 8, candidates: ['12345', '12399'] });
    expect(completeBash('echo a; py', 10, host)).toEqual({ replaceFrom: 8, candidates: ['python', 'python3'] });
    expect(completeBash('echo zz', 7, host).candidates).toEqual([]);
  });
});

describe('python completion', () => {
  it('completes names and host-object attributes without I/O', async () => {
    const backend = new FakePyMongoBackend();
    const repl = new PythonRepl({ backend });
    await run(repl, 'from pymongo import MongoClient, Connection');
    await run(repl, 'db = MongoClient().test');
    const commandsBefore = backend.commands.length;
    expect(completePython('Mongo', 5, repl.interpreter)).toEqual({ replaceFrom: 0, candidates: ['MongoClient'] });
    expect(completePython('db.test.find', 12, repl.interpreter)).toEqual({ replaceFrom: 8, candidates: ['find', 'find_one'] });
    expect(completePython('db.test.ins', 11, repl.interpreter).candidates).toEqual(['insert_many', 'insert_one']);
    expect(completePython('db.co', 5, repl.interpreter).candidates).toEqual(['command']);
    expect(completePython('x = pr', 6, repl.interpreter)).toEqual({ replaceFrom: 4, candidates: ['print'] });
    expect(completePython('import pymongo; pymongo.er', 26, repl.interpreter).candidates).toEqual([]);
    await run(repl, 'import pymongo');
    expect(completePython('pymongo.errors.Auto', 19, repl.interpreter).candidates).toEqual(['AutoReconnect']);
    await run(repl, 'old = Connection("morton.local").test');
    expect(completePython('old.test.sa', 11, repl.interpreter).candidates).toEqual(['save']);
    expect(completePython('old.connection.po', 17, repl.interpreter).candidates).toEqual(['port']);
    expect(backend.commands.length).toBe(commandsBefore);
  });
});

describe('mongosh completion', () => {
  it('completes db., rs., collection and cursor methods', async () => {
    const repl = new MongoshRepl({ backend: new FakeMongoshBackend() });
    await run(repl, 'const cfg = {}');
    expect(completeMongosh('rs.st', 5, repl.interpreter)).toEqual({ replaceFrom: 3, candidates: ['status', 'stepDown'] });
    expect(completeMongosh('db.test.find', 12, repl.interpreter).candidates).toEqual(['find', 'findOne']);
    expect(completeMongosh('db.get', 6, repl.interpreter, ['getters']).candidates).toEqual([
      'getCollection', 'getCollectionNames', 'getName', 'getSiblingDB', 'getters',
    ]);
    expect(completeMongosh('db.test.find({}).li', 19, repl.interpreter).candidates).toEqual(['limit']);
    expect(completeMongosh('show d', 6, repl.interpreter)).toEqual({ replaceFrom: 5, candidates: ['databases', 'dbs'] });
    expect(completeMongosh('cf', 2, repl.interpreter).candidates).toEqual(['cfg']);
  });
});
