import { describe, expect, it } from 'vitest';
import { checkLinearizable, registerModel, registerModelFrom } from '../../../src/simulate/checkers/linearizable';
import type { LinearizableOp, Model, RegisterInput } from '../../../src/simulate/checkers/linearizable';
import { checkRegisterLinearizable } from '../../../src/simulate/checkers/register';
import { historyOf, operations } from '../../../src/simulate/history';

/** [id, input, invoke, complete] rows; complete undefined = unknown outcome (info). */
function ops<I>(rows: Array<[I, number, number | undefined]>): LinearizableOp<I>[] {
  return rows.map(([input, invoke, complete], id) => ({ id, input, invoke, complete }));
}

const w = (value: number): RegisterInput => ({ f: 'write', value });
const r = (value: number | null): RegisterInput => ({ f: 'read', value });
const cas = (from: number | null, to: number): RegisterInput => ({ f: 'cas', from, to });

describe('linearizability search (Wing–Gong / Lowe, as Knossos)', () => {
  it('accepts a sequential history and reads that overlap a write on either side of it', () => {
    expect(checkLinearizable(registerModel, ops([[w(1), 0, 1], [r(1), 2, 3]])).valid).toBe(true);
    // A read concurrent with the write may see the old or the new value.
    expect(checkLinearizable(registerModel, ops([[w(1), 0, 3], [r(1), 1, 2]])).valid).toBe(true);
    expect(checkLinearizable(registerModel, ops([[w(1), 0, 3], [r(null), 1, 2]])).valid).toBe(true);
  });

  it('refuses a stale read: the write returned before the read began', () => {
    const result = checkLinearizable(registerModel, ops([[w(1), 0, 1], [r(null), 2, 3]]));
    expect(result.valid).toBe(false);
    if (result.valid === false) expect(result.stuck.id).toBe(1);
  });

  it('refuses the new-old inversion: once a read saw the new value, a later read cannot see the old one', () => {
    // The write is still in flight for both reads; each alone is fine, together they are not.
    const history = ops([[w(1), 0, 10], [r(1), 1, 2], [r(null), 3, 4]]);
    expect(checkLinearizable(registerModel, history).valid).toBe(false);
    // The other way round (old, then new) is linearizable: the write took effect between them.
    expect(checkLinearizable(registerModel, ops([[w(1), 0, 10], [r(null), 1, 2], [r(1), 3, 4]])).valid).toBe(true);
  });

  it('lets an operation of unknown outcome take effect late or never, but not undo what reads saw', () => {
    // Write 1 timed out (info): a read of the old value and a later read of 1 are both fine.
    expect(checkLinearizable(registerModel, ops([[w(1), 0, undefined], [r(null), 1, 2], [r(1), 3, 4]])).valid).toBe(true);
    // Never taking effect is fine too.
    expect(checkLinearizable(registerModel, ops([[w(1), 0, undefined], [r(null), 1, 2], [r(null), 3, 4]])).valid).toBe(true);
    // But after a read saw 1, the register cannot be back at absent.
    expect(checkLinearizable(registerModel, ops([[w(1), 0, undefined], [r(1), 1, 2], [r(null), 3, 4]])).valid).toBe(false);
  });

  it('refuses two successful compare-and-sets from the same value (Knossos cas-register)', () => {
    const model = registerModelFrom(0);
    expect(checkLinearizable(model, ops([[cas(0, 1), 0, 3], [cas(0, 2), 1, 4]])).valid).toBe(false);
    // One of them applied, the other's outcome unknown: fine (the unknown one never happened).
    expect(checkLinearizable(model, ops([[cas(0, 1), 0, 3], [cas(0, 2), 1, undefined], [r(1), 5, 6]])).valid).toBe(true);
    // Chained: 0 -> 1 -> 2, with the second invoked while the first was in flight.
    expect(checkLinearizable(model, ops([[cas(0, 1), 0, 3], [cas(1, 2), 1, 4], [r(2), 5, 6]])).valid).toBe(true);
  });

  it('checks any model: the FIFO queue histories of Herlihy and Wing', () => {
    type Q = readonly string[];
    type QOp = { f: 'enq'; v: string } | { f: 'deq'; v: string };
    const queue: Model<Q, QOp> = {
      init: [],
      step: (s, op) => (op.f === 'enq' ? [...s, op.v] : s[0] === op.v ? s.slice(1) : undefined),
      key: (s) => s.join(','),
      describe: (s) => `[${s.join(' ')}]`,
    };
    // A: enq x and B: enq y overlap, so either may be first: A's deq of y is linearizable.
    const overlapping = ops<QOp>([[{ f: 'enq', v: 'x' }, 0, 3], [{ f: 'enq', v: 'y' }, 1, 4], [{ f: 'deq', v: 'y' }, 5, 6]]);
    expect(checkLinearizable(queue, overlapping).valid).toBe(true);
    // enq x returned before enq y began: a FIFO queue must hand out x first.
    const ordered = ops<QOp>([[{ f: 'enq', v: 'x' }, 0, 1], [{ f: 'enq', v: 'y' }, 2, 3], [{ f: 'deq', v: 'y' }, 4, 5]]);
    expect(checkLinearizable(queue, ordered).valid).toBe(false);
  });

  it('answers unknown instead of searching forever', () => {
    // Many concurrent writes of unknown outcome and reads that no order satisfies cheaply.
    const rows: Array<[RegisterInput, number, number | undefined]> = [];
    for (let i = 0; i < 24; i++) rows.push([w(i), i, undefined]);
    for (let i = 0; i < 12; i++) rows.push([r(100 + i), 30 + 2 * i, 31 + 2 * i]);
    const result = checkLinearizable(registerModel, ops(rows), { stepsMax: 5_000, cacheMax: 1_000_000 });
    expect(result.valid).toBe('unknown');
    if (result.valid === 'unknown') expect(result.reason).toMatch(/5000 steps/);
  });

  it('handles long concurrent histories with the cache (1,000 operations of 5 clients)', () => {
    // A correct register run: every read returns the last write that completed before it began,
    // with writes and reads overlapping in groups.
    const rows: Array<[RegisterInput, number, number | undefined]> = [];
    let t = 0;
    let last: number | null = null;
    for (let round = 0; round < 200; round++) {
      const start = t;
      rows.push([w(round), start, start + 6]);
      rows.push([r(last), start + 1, start + 2]);
      rows.push([r(round), start + 3, start + 7]);
      rows.push([cas(round, 1000 + round), start + 4, round % 3 === 0 ? undefined : start + 9]);
      rows.push([w(2000 + round), start + 10, start + 11]);
      last = 2000 + round;
      t += 12;
    }
    const result = checkLinearizable(registerModel, ops(rows));
    expect(result.valid).toBe(true);
    expect(result.steps).toBeLessThan(100_000);
  });
});

describe('register checker over a recorded history', () => {
  it('finds the stale read of a deposed primary and names the key and the operation', () => {
    const history = historyOf([
      [0, 'invoke', 'write', { key: 'k1', value: 1 }],
      [0, 'ok', 'write', null],
      [1, 'invoke', 'read', { key: 'k1', rc: 'linearizable' }],
      [1, 'ok', 'read', { value: null, history: [] }],
      [2, 'invoke', 'read', { key: 'k2', rc: 'linearizable' }],
      [2, 'ok', 'read', { value: null, history: [] }],
    ]);
    const result = checkRegisterLinearizable(operations(history));
    expect(result.valid).toBe(false);
    expect(result.violations).toHaveLength(1);
    expect(result.violations[0]).toMatchObject({ checker: 'linearizable', kind: 'nonlinearizable', key: 'k1' });
    expect(result.violations[0]!.message).toMatch(/process 1 read linearizable of k1 -> null/);
    expect(result.stats.keys).toBe(2);
  });

  it('leaves out failed operations, cas that matched nothing, and reads weaker than linearizable', () => {
    const history = historyOf([
      [0, 'invoke', 'write', { key: 'k', value: 1 }],
      [0, 'fail', 'write', null],
      [1, 'invoke', 'cas', { key: 'k', from: 5, to: 6 }],
      [1, 'ok', 'cas', { applied: false }],
      [2, 'invoke', 'read', { key: 'k', rc: 'majority' }],
      [2, 'ok', 'read', { value: 7, history: [7] }],
      [3, 'invoke', 'read', { key: 'k', rc: 'linearizable' }],
      [3, 'ok', 'read', { value: null, history: [] }],
    ]);
    const result = checkRegisterLinearizable(operations(history));
    expect(result.valid).toBe(true);
    expect(result.stats.operations).toBe(1);
  });
});
