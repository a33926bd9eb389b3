/**
 * Two checkers over final states rather than orders.
 *
 * `set` (Jepsen's set workload): clients insert unique documents with w:1 or w:"majority"; after
 * the set heals, a final read returns what is there. An insert acknowledged with w:"majority" must
 * be there (`lost-insert`); a document nobody inserted must not (`phantom`). A w:1 insert may be
 * rolled back (MongoDB says so: "Rollbacks During Replica Set Failover"), so losing one is only
 * counted; so may one acknowledged by a custom tag mode (`w: "multiDC"`, two members in distinct
 * data centres: not necessarily a majority, so not safe from rollback).
 *
 * `at-most-once` (retryable writes): every logical write pushes a unique token onto a document's
 * array and may be sent several times (the driver's retry after a network error or a failover, or
 * the workload forcing one) with the same `lsid` and `txnNumber`. The server must apply it once:
 * no token twice (`applied-twice`), every acknowledged one present (`lost-write`), none from
 * nowhere (`phantom`). (Retryable writes spec: "the server will ensure that the write is executed
 * at most once".)
 */
import type { Operation } from '../history';
import { resultOf } from './result';
import type { CheckerResult, Violation } from './result';

export interface SetAdd {
  id: string;
  /** 1, "majority", or a custom write concern mode's name (settings.getLastErrorModes). */
  w: 1 | 'majority' | 'multiDC';
}

/** `finalIds`: the ids a final read found, or undefined when none could be made. */
export function checkSet(ops: readonly Operation[], finalIds: readonly string[] | undefined): CheckerResult {
  const adds = ops.filter((o) => o.f === 'add');
  if (finalIds === undefined) return resultOf('set', [], { adds: adds.length }, ['no final read: set not checked']);
  const present = new Set(finalIds);
  const attempted = new Map(adds.map((o) => [(o.value as SetAdd).id, o]));
  const violations: Violation[] = [];
  let lostW1 = 0;
  let ackedMajority = 0;
  for (const op of adds) {
    const add = op.value as SetAdd;
    if (op.type !== 'ok') continue;
    if (add.w === 'majority') {
      ackedMajority++;
      if (!present.has(add.id)) violations.push({ checker: 'set', kind: 'lost-insert', message: `insert of ${add.id} was acknowledged with w:"majority" (process ${op.process}, events ${op.invokeIndex}..${op.completeIndex}) but is gone after the set healed`, events: [op.invokeIndex, op.completeIndex] });
    } else if (!present.has(add.id)) {
      lostW1++;
    }
  }
  for (const id of present) {
    if (!attempted.has(id)) violations.push({ checker: 'set', kind: 'phantom', message: `document ${id} is in the final state but nobody inserted it` });
  }
  return resultOf('set', violations, { adds: adds.length, ackedMajority, present: present.size, lostW1 });
}

export interface RetryablePush {
  /** The document the token goes to. */
  doc: string;
  token: number;
  /** The session and transaction number every attempt carries. */
  txnNumber: number;
}

/** `finalTokens`: the arrays a final read found, by document; undefined when none could be made. */
export function checkAtMostOnce(ops: readonly Operation[], finalTokens: ReadonlyMap<string, readonly number[]> | undefined): CheckerResult {
  const pushes = ops.filter((o) => o.f === 'push');
  if (finalTokens === undefined) return resultOf('at-most-once', [], { pushes: pushes.length }, ['no final read: retryable writes not checked']);
  const count = new Map<number, number>();
  for (const tokens of finalTokens.values()) for (const t of tokens) count.set(t, (count.get(t) ?? 0) + 1);
  const violations: Violation[] = [];
  const known = new Set<number>();
  let acked = 0;
  for (const op of pushes) {
    const push = op.value as RetryablePush;
    known.add(push.token);
    const n = count.get(push.token) ?? 0;
    if (n > 1) violations.push({ checker: 'at-most-once', kind: 'applied-twice', message: `retryable push of token ${push.token} to ${push.doc} (txnNumber ${push.txnNumber}, process ${op.process}) was applied ${n} times`, events: [op.invokeIndex] });
    if (op.type === 'ok') {
      acked++;
      if (n === 0) violations.push({ checker: 'at-most-once', kind: 'lost-write', message: `retryable push of token ${push.token} to ${push.doc} was acknowledged with w:"majority" but is not in the final state`, events: [op.invokeIndex, op.completeIndex] });
    }
  }
  for (const token of count.keys()) {
    if (!known.has(token)) violations.push({ checker: 'at-most-once', kind: 'phantom', message: `token ${token} is in the final state but no operation pushed it` });
  }
  return resultOf('at-most-once', violations, { pushes: pushes.length, acked, tokens: count.size });
}
