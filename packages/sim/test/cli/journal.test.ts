import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, killAll, logLines, startSimMongod, waitForOutput } from './spawn';

/** `--dbpath` persistence on real processes: kill -9, restart, torn journal tails. */

const children: ChildProcess[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-mongod-journal-'));
afterEach(() => killAll(children));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function withClient<T>(port: number, fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true&serverSelectionTimeoutMS=5000`);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

describe('sim-mongod --dbpath', () => {
  it('a write acknowledged with j:true survives kill -9; a torn journal tail is cut with a log line', { timeout: 60_000 }, async () => {
    const dbpath = fs.mkdtempSync(path.join(tmp, 'db-'));
    const port = await freePort();
    const args = ['--port', String(port), '--dbpath', dbpath, '--bind_ip', '127.0.0.1'];
    const first = startSimMongod(args, children);
    await waitForOutput(first, 'Waiting for connections');
    await withClient(port, async (client) => {
      const coll = client.db('test').collection<{ _id: number; n: number }>('kept');
      await coll.insertOne({ _id: 1, n: 1 }, { writeConcern: { w: 1, j: true } });
      await coll.insertMany([{ _id: 2, n: 2 }, { _id: 3, n: 3 }], { writeConcern: { j: true } });
      await coll.updateOne({ _id: 2 }, { $inc: { n: 40 } }, { writeConcern: { j: true } });
      await client.db('test').command({ createIndexes: 'kept', indexes: [{ key: { n: 1 }, name: 'n_1', unique: true }], writeConcern: { j: true } });
    });
    first.child.kill('SIGKILL');
    await first.exit;

    // Half a record at the end, as a write cut by a crash leaves it.
    const journalDir = path.join(dbpath, 'journal');
    const journalFile = fs.readdirSync(journalDir).filter((n) => n.startsWith('journal.')).sort().at(-1);
    expect(journalFile).toBeDefined();
    const file = path.join(journalDir, journalFile!);
    const before = fs.statSync(file).size;
    fs.appendFileSync(file, Buffer.from([0x40, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));

    const second = startSimMongod(args, children);
    await waitForOutput(second, 'Waiting for connections');
    const cut = logLines(second.stdout).find((l) => l.msg === 'Journal ends in a torn or corrupt record: cutting it off');
    expect(cut).toMatchObject({ s: 'W', c: 'STORAGE', attr: { bytesCut: 11, validBytes: before } });
    expect(fs.statSync(file).size).toBe(before);
    await withClient(port, async (client) => {
      const coll = client.db('test').collection<{ _id: number; n: number }>('kept');
      expect(await coll.find().sort({ _id: 1 }).toArray()).toEqual([
        { _id: 1, n: 1 },
        { _id: 2, n: 42 },
        { _id: 3, n: 3 },
      ]);
      const indexes = await coll.indexes();
      expect(indexes.map((i) => i.name).sort()).toEqual(['_id_', 'n_1']);
      await expect(coll.insertOne({ _id: 4, n: 1 })).rejects.toMatchObject({ code: 11000 });
    });
    // A clean shutdown checkpoints: the next start replays no journal records.
    second.child.kill('SIGTERM');
    expect((await second.exit).code).toBe(0);
    expect(fs.readdirSync(journalDir)).toContain('checkpoint');
    const third = startSimMongod(args, children);
    await waitForOutput(third, 'Waiting for connections');
    expect(logLines(third.stdout).find((l) => l.msg === 'Journal recovery done')).toMatchObject({ attr: { checkpoint: true, recordsReplayed: 0 } });
    await withClient(port, async (client) => {
      expect(await client.db('test').collection('kept').countDocuments()).toBe(3);
    });
    expect(logLines(third.stdout).filter((l) => l.msg === 'Now exiting')).toHaveLength(0);
    third.child.kill('SIGINT');
    expect((await third.exit).code).toBe(0);
    expect(logLines(third.stdout).filter((l) => l.msg === 'Now exiting')).toHaveLength(1);
  });

  it('a damaged checkpoint stops the start with mongod\'s initAndListen error, before listening', { timeout: 30_000 }, async () => {
    const dbpath = fs.mkdtempSync(path.join(tmp, 'db-'));
    fs.mkdirSync(path.join(dbpath, 'journal'));
    fs.writeFileSync(path.join(dbpath, 'journal', 'checkpoint'), Buffer.from('not a checkpoint at all'));
    const port = await freePort();
    const running = startSimMongod(['--port', String(port), '--dbpath', dbpath, '--bind_ip', '127.0.0.1'], children);
    expect((await running.exit).code).toBe(14);
    const line = logLines(running.stdout).find((l) => l.msg === 'DBException in initAndListen, terminating');
    expect(line).toMatchObject({ s: 'E', attr: { error: expect.stringMatching(/^JournalError: .*checkpoint/) as unknown } });
    expect(running.stdout).not.toContain('Waiting for connections');
    // The lock is released: a fixed dbpath starts.
    fs.rmSync(path.join(dbpath, 'journal', 'checkpoint'));
    const again = startSimMongod(['--port', String(port), '--dbpath', dbpath, '--bind_ip', '127.0.0.1'], children);
    await waitForOutput(again, 'Waiting for connections');
  });
});
