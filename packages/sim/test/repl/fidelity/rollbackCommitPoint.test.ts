import { describe, expect, it } from 'vitest';
import { compareOpTime } from '../../../src/base/optime';
import { Cluster } from '../../../src/harness/cluster';
import { LogIds } from '../../../src/log/ids';
import { entryOpTime } from '../../../src/storage/oplog';

/**
 * Rollback never undoes majority-committed entries. rollback_impl.cpp (RollbackImpl::_findCommonPoint)
 * asserts, once the common point is found ("Rollback common point", 21607):
 *   invariant(commonPointOpTime.getTimestamp() >= lastCommittedOpTime.getTimestamp());
 *   invariant(commonPointOpTime >= lastCommittedOpTime);
 * and a failed invariant logs "Invariant failure" (23079) and "***aborting after invariant()
 * failure" (23080) and aborts the process (util/assert_util.cpp invariantFailed → callAbort). A
 * correct set never gets there; here the other two members lose a committed entry behind the
 * protocol's back (their oplogs cut by hand, as a disk that lied about fsync would), so the third,
 * which knows the entry is committed, is asked to roll it back.
 */
describe('rollback past the commit point is a fatal invariant (rollback_impl.cpp)', () => {
  it('the member logs the invariant failure and exits; the committed entry stays in its oplog and data', async () => {
    const c = new Cluster({ members: 3, seed: 161, settings: { electionTimeoutMillis: 2000 } });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const [other, witness] = c.hosts.filter((h) => h !== primary) as [string, string];
    await c.insert([{ _id: 'before' }], { writeConcern: { w: 3, wtimeout: 5000 } });
    const committed = await c.insert([{ _id: 'committed' }], { writeConcern: { w: 3, wtimeout: 5000 } });
    expect(committed.writeConcernError).toBeUndefined();
    const entry = c.persistedState(primary).oplog.all().find((e) => e.op === 'i' && e.o._id === 'committed')!;
    const x = entryOpTime(entry);
    expect(await c.waitFor(() => compareOpTime(c.running(witness).repl.commitPoint, x) >= 0, 10_000)).toBe(true);
    const member = c.running(witness);
    c.partition([witness], [primary, other]);
    // The other two lose the entry (and all after it): cut their oplogs and undo it in their data.
    for (const h of [primary, other]) {
      c.kill(h);
      const oplog = c.persistedState(h).oplog;
      const cut = oplog.truncateAfter(oplog.indexOf(x) - 1);
      c.storage(h).undo(cut);
      c.start(h);
    }
    const next = await c.waitForPrimary(30_000);
    expect(next).not.toBe(witness);
    await c.insert([{ _id: 'other-branch' }], { writeConcern: { w: 2, wtimeout: 5000 } });
    expect(c.isAlive(witness)).toBe(true);
    c.healAll();
    expect(await c.waitFor(() => !c.isAlive(witness), 30_000)).toBe(true);
    const lines = member.recentLog();
    const common = lines.find((l) => l.id === LogIds.rollbackCommonPoint.id);
    expect(common?.msg).toBe('Rollback common point');
    const invariant = lines.find((l) => l.id === LogIds.invariantFailure.id);
    expect(invariant).toMatchObject({ s: 'F', msg: 'Invariant failure' });
    expect(invariant?.attr?.file).toBe('src/mongo/db/repl/rollback_impl.cpp');
    expect(String(invariant?.attr?.expr)).toMatch(/^commonPointOpTime(\.getTimestamp\(\))? >= lastCommittedOpTime/);
    expect(lines.some((l) => l.id === LogIds.abortingAfterInvariantFailure.id && l.s === 'F')).toBe(true);
    // Nothing was undone: no rollback file, the committed entry and document are still there.
    expect(c.persistedState(witness).rollbackFiles).toEqual([]);
    expect(c.persistedState(witness).oplog.contains(x)).toBe(true);
    expect(c.storage(witness).documents('test', 'test').some((d) => d._id === 'committed')).toBe(true);
    expect(c.events.some((e) => e.type === 'rollback' && e.host === witness)).toBe(false);
    c.stopAll();
  });
});
