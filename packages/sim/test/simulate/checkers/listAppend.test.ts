import { describe, expect, it } from 'vitest';
import { checkListAppend, transactionsOf } from '../../../src/simulate/checkers/listAppend';
import type { ListAppendTxn, MicroOp } from '../../../src/simulate/checkers/listAppend';
import { historyOf, operations } from '../../../src/simulate/history';

let nextId = 0;
function txn(status: ListAppendTxn['status'], ...mops: MicroOp[]): ListAppendTxn {
  return { id: nextId++, process: nextId, status, mops };
}
const ap = (k: string, v: number): MicroOp => ['append', k, v];
const rd = (k: string, l: number[] | null): MicroOp => ['r', k, l];

function kinds(txns: ListAppendTxn[]): string[] {
  return checkListAppend(txns).violations.map((v) => v.kind).sort();
}

// The anomalies are Adya's (Weak Consistency, 1999) as Elle infers them from list-append
// histories (Kingsbury & Alvaro 2020, section 4); each history here is a small instance of one.
describe('Elle-style list-append checker', () => {
  it('accepts a serial history and reports its dependency edges', () => {
    const result = checkListAppend([txn('ok', ap('x', 1)), txn('ok', rd('x', [1]), ap('x', 2)), txn('ok', rd('x', [1, 2]), ap('y', 1)), txn('ok', rd('y', [1]), rd('x', [1, 2]))]);
    expect(result.valid).toBe(true);
    expect(result.stats.edges).toBeGreaterThan(3);
  });

  it('G0: two transactions whose appends are ordered one way on x and the other way on y', () => {
    expect(kinds([txn('ok', ap('x', 1), ap('y', 1)), txn('ok', ap('x', 2), ap('y', 2)), txn('ok', rd('x', [1, 2]), rd('y', [2, 1]))])).toContain('G0');
  });

  it('G1a: a committed read of a value an aborted transaction appended', () => {
    expect(kinds([txn('fail', ap('x', 1)), txn('ok', rd('x', [1]))])).toEqual(['G1a']);
    // The same value from a transaction of unknown outcome is fine: it committed after all.
    expect(kinds([txn('info', ap('x', 1)), txn('ok', rd('x', [1]))])).toEqual([]);
  });

  it('G1b: a read that ends in the middle of another transaction\'s appends to the key', () => {
    // The reader also ends up in a wr/rw cycle with the writer (it read from T1 and missed T1's
    // later append), so G-single comes with it.
    expect(kinds([txn('ok', ap('x', 1), ap('x', 2)), txn('ok', rd('x', [1])), txn('ok', rd('x', [1, 2]))])).toEqual(['G-single', 'G1b']);
    expect(kinds([txn('ok', ap('x', 1), ap('x', 2)), txn('ok', rd('x', [1, 2]))])).toEqual([]);
  });

  it('G1c: each transaction reads what the other appended', () => {
    expect(kinds([txn('ok', ap('x', 1), rd('y', [1])), txn('ok', ap('y', 1), rd('x', [1]))])).toEqual(['G1c']);
  });

  it('G-single (read skew): one anti-dependency closes a cycle', () => {
    // T2 sees T1's append to y but not its append to x.
    const result = checkListAppend([txn('ok', ap('x', 1), ap('y', 1)), txn('ok', rd('x', []), rd('y', [1])), txn('ok', rd('x', [1]), rd('y', [1]))]);
    expect(result.violations.map((v) => v.kind)).toEqual(['G-single']);
    expect(result.violations[0]!.message).toMatch(/-rw x->/);
  });

  it('lost update: two committed transactions read the same version and both appended', () => {
    expect(kinds([txn('ok', rd('x', []), ap('x', 1)), txn('ok', rd('x', []), ap('x', 2)), txn('ok', rd('x', [1, 2]))])).toContain('lost-update');
  });

  it('allows write skew (G2, two anti-dependencies), which snapshot isolation permits', () => {
    const result = checkListAppend([
      txn('ok', rd('x', []), rd('y', []), ap('x', 1)),
      txn('ok', rd('x', []), rd('y', []), ap('y', 1)),
      txn('ok', rd('x', [1]), rd('y', [1])),
    ]);
    expect(result.valid).toBe(true);
  });

  it('sanity checks: incompatible orders, duplicates, and a transaction not seeing its own append', () => {
    expect(kinds([txn('ok', ap('x', 1)), txn('ok', ap('x', 2)), txn('ok', rd('x', [1, 2])), txn('ok', rd('x', [2]))])).toContain('incompatible-order');
    expect(kinds([txn('ok', ap('x', 1)), txn('ok', rd('x', [1, 1]))])).toContain('duplicate-elements');
    expect(kinds([txn('ok', rd('x', []), ap('x', 3), rd('x', [1]))])).toContain('internal');
  });

  it('reads transactions out of a recorded history', () => {
    const history = historyOf([
      [0, 'invoke', 'txn', [ap('x', 1), rd('x', null)]],
      [1, 'invoke', 'txn', [rd('x', null)]],
      [0, 'ok', 'txn', [ap('x', 1), rd('x', [1])]],
      [1, 'fail', 'txn', null],
    ]);
    const txns = transactionsOf(operations(history));
    expect(txns.map((t) => t.status)).toEqual(['ok', 'fail']);
    expect(checkListAppend(txns).valid).toBe(true);
  });
});
