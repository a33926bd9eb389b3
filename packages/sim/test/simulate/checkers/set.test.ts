import { describe, expect, it } from 'vitest';
import { checkRegisterReads } from '../../../src/simulate/checkers/register';
import { checkAtMostOnce, checkSet } from '../../../src/simulate/checkers/set';
import { historyOf, operations } from '../../../src/simulate/history';

describe('set checker', () => {
  it('a w:majority insert must survive; a w:1 one may be rolled back; nothing appears from nowhere', () => {
    const history = historyOf([
      [0, 'invoke', 'add', { id: 'a', w: 'majority' }],
      [0, 'ok', 'add', null],
      [1, 'invoke', 'add', { id: 'b', w: 1 }],
      [1, 'ok', 'add', null],
      [2, 'invoke', 'add', { id: 'c', w: 'majority' }],
      [2, 'ok', 'add', null],
    ]);
    const ops = operations(history);
    expect(checkSet(ops, ['a', 'c']).valid).toBe(true);
    expect(checkSet(ops, ['a', 'c']).stats.lostW1).toBe(1);
    expect(checkSet(ops, ['a']).violations.map((v) => v.kind)).toEqual(['lost-insert']);
    expect(checkSet(ops, ['a', 'c', 'z']).violations.map((v) => v.kind)).toEqual(['phantom']);
    expect(checkSet(ops, undefined).notes).toEqual(['no final read: set not checked']);
  });
});

describe('at-most-once checker (retryable writes)', () => {
  const history = historyOf([
    [0, 'invoke', 'push', { doc: 'r0', token: 1, txnNumber: 1 }],
    [0, 'ok', 'push', null],
    [1, 'invoke', 'push', { doc: 'r0', token: 2, txnNumber: 1 }],
    [1, 'info', 'push', null],
  ]);
  const ops = operations(history);
  it('accepts each token once, or an unacknowledged one not at all', () => {
    expect(checkAtMostOnce(ops, new Map([['r0', [1, 2]]])).valid).toBe(true);
    expect(checkAtMostOnce(ops, new Map([['r0', [1]]])).valid).toBe(true);
  });
  it('catches a retry applied twice and an acknowledged push lost', () => {
    expect(checkAtMostOnce(ops, new Map([['r0', [1, 2, 2]]])).violations.map((v) => v.kind)).toEqual(['applied-twice']);
    expect(checkAtMostOnce(ops, new Map([['r0', [2]]])).violations.map((v) => v.kind)).toEqual(['lost-write']);
    expect(checkAtMostOnce(ops, new Map([['r0', [1, 9]]])).violations.map((v) => v.kind)).toEqual(['phantom']);
  });
});

describe('register durability and weaker read concerns', () => {
  const rows = (extra: Array<[number, 'invoke' | 'ok' | 'fail' | 'info', string, unknown]>) =>
    operations(
      historyOf([
        [0, 'invoke', 'write', { key: 'k', value: 1 }],
        [0, 'ok', 'write', null],
        [1, 'invoke', 'write', { key: 'k', value: 2 }],
        [1, 'info', 'write', null],
        ...extra,
        [9, 'invoke', 'read', { key: 'k', rc: 'linearizable', final: true }],
        [9, 'ok', 'read', { value: 1, history: [1] }],
      ]),
    );

  it('a majority read of data later rolled back is a dirty read; a local one is allowed', () => {
    expect(checkRegisterReads(rows([[2, 'invoke', 'read', { key: 'k', rc: 'local' }], [2, 'ok', 'read', { value: 2, history: [1, 2] }]])).valid).toBe(true);
    const dirty = checkRegisterReads(rows([[2, 'invoke', 'read', { key: 'k', rc: 'majority' }], [2, 'ok', 'read', { value: 2, history: [1, 2] }]]));
    expect(dirty.violations.map((v) => v.kind)).toEqual(['dirty-read']);
  });

  it('no read sees a value before anyone wrote it, and an acknowledged write is never lost', () => {
    const future = checkRegisterReads(rows([[2, 'invoke', 'read', { key: 'k', rc: 'local' }], [2, 'ok', 'read', { value: 3, history: [1, 3] }], [3, 'invoke', 'write', { key: 'k', value: 3 }], [3, 'fail', 'write', null]]));
    expect(future.violations.map((v) => v.kind)).toEqual(['future-read']);
    const lost = checkRegisterReads(rows([[3, 'invoke', 'write', { key: 'k', value: 3 }], [3, 'ok', 'write', null]]));
    expect(lost.violations.map((v) => v.kind)).toEqual(['lost-write']);
  });
});
