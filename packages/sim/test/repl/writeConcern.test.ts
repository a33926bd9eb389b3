import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';
import { parseConfig } from '../../src/repl/config';
import { implicitDefaultWriteConcern } from '../../src/repl/writeConcern';
import { ObjectId } from 'bson';

async function findIds(c: Cluster, host: string): Promise<unknown[]> {
  const found = await c.command(host, { find: 'test', filter: {}, $readPreference: { mode: 'primaryPreferred' } }, { db: 'test' });
  return (found.cursor.firstBatch as { _id: unknown }[]).map((d) => d._id);
}

/**
 * An unknown `w` mode (no such mode in settings.getLastErrorModes): MongoDB 7.0 applies the write
 * and answers ok: 1 with a writeConcernError UnknownReplWriteConcern (79) — the mode is looked up
 * while waiting for replication (replication_coordinator_impl.cpp _awaitReplication →
 * checkIfWriteConcernCanBeSatisfied → ReplSetConfig::findCustomWriteMode), and a write concern
 * error never undoes a write (manual, Write Concern: "wtimeout ... does not undo successful data
 * modifications").
 */
describe('write concern (replication_coordinator_impl.cpp _awaitReplication; manual: Write Concern)', () => {
  it('insert with w: "nosuchmode" is applied, ok: 1, writeConcernError 79 — not a command error', async () => {
    const c = new Cluster({ members: 3, seed: 71 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const reply = await c.insert([{ _id: 'wc' }], { writeConcern: { w: 'nosuchmode' } });
    expect(reply).toMatchObject({ ok: 1, n: 1, writeConcernError: { code: 79, codeName: 'UnknownReplWriteConcern' } });
    expect(reply.writeConcernError.errInfo.writeConcern).toMatchObject({ w: 'nosuchmode', provenance: 'clientSupplied' });
    expect(await findIds(c, primary)).toEqual(['wc']);
    c.stopAll();
  });

  it('a wtimeout writeConcernError (64) leaves the write in place', async () => {
    const c = new Cluster({ members: 3, seed: 72 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    c.kill(c.hosts.find((h) => h !== primary)!);
    const reply = await c.insert([{ _id: 'late' }], { writeConcern: { w: 3, wtimeout: 500 } });
    expect(reply).toMatchObject({ ok: 1, n: 1, writeConcernError: { code: 64, codeName: 'WriteConcernFailed', errInfo: { wtimeout: true } } });
    expect(await findIds(c, primary)).toEqual(['late']);
    c.stopAll();
  });

  it('no writeConcern: the implicit default w:"majority" is reported with provenance implicitDefault', async () => {
    const c = new Cluster({ members: 3, seed: 73 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    await c.insert([{ _id: 0 }], { writeConcern: { w: 'majority', wtimeout: 10_000 } });
    for (const h of c.hosts.filter((x) => x !== primary)) c.kill(h);
    // Nothing can acknowledge; the primary steps down when it cannot see a majority and the wait
    // ends with the step-down's writeConcernError, naming the write concern it used.
    const reply = await c.insert([{ _id: 1 }], { timeoutMillis: 60_000 });
    expect(reply).toMatchObject({ ok: 1, n: 1, writeConcernError: { errInfo: { writeConcern: { w: 'majority', provenance: 'implicitDefault' } } } });
    expect(await findIds(c, primary)).toEqual([0, 1]);
    c.stopAll();
  });

  it('the implicit default with arbiters follows the manual\'s formula (MongoDB 5.0+, "Default MongoDB Read Concerns/Write Concerns")', () => {
    const config = (kinds: string) =>
      parseConfig(
        {
          _id: 'rs0',
          version: 1,
          members: [...kinds].map((k, i) => ({ _id: i, host: `h${i}:27017`, ...(k === 'A' ? { arbiterOnly: true } : k === 'N' ? { votes: 0, priority: 0 } : {}) })),
        },
        new ObjectId(),
      );
    // if (#arbiters > 0 AND #voting data-bearing <= majority(#voting)) then w:1 else w:"majority"
    expect(implicitDefaultWriteConcern(config('PSA')).w).toBe(1); // 2 <= 2
    expect(implicitDefaultWriteConcern(config('PSSA')).w).toBe(1); // 3 <= 3
    expect(implicitDefaultWriteConcern(config('PSSSA')).w).toBe('majority'); // 4 > 3
    expect(implicitDefaultWriteConcern(config('PSSNA')).w).toBe(1); // a non-voter does not count: 3 <= 3
    expect(implicitDefaultWriteConcern(config('PSS')).w).toBe('majority'); // no arbiter
    expect(implicitDefaultWriteConcern(undefined).w).toBe(1);
    expect(implicitDefaultWriteConcern(config('PSA')).provenance).toBe('implicitDefault');
  });
});
