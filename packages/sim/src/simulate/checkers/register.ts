/**
 * The register workload's checkers. Each key is one document `{_id: key, v, h}`: a write sets `v`
 * to a value no other write uses and appends it to `h`, so `h` is the document's write history and
 * `v` its last element. What MongoDB promises, and what is checked:
 *
 * - w:"majority" writes with `linearizable` reads on the primary are linearizable per document
 *   (manual, "Read Isolation, Consistency, and Recency" → "Real Time Order"): every key's history
 *   of writes, compare-and-sets and linearizable reads goes through the linearizability search.
 * - An acknowledged w:"majority" write is durable: its value is in the final `h` (`lost-write`),
 *   and no value is in `h` twice (`duplicate-write`) or without a write that made it (`phantom`).
 * - `majority` reads return majority-committed data, which is never rolled back: the `h` they read
 *   is a prefix of the final `h` (`dirty-read`).
 * - `local` reads (on any member) may return data that is later rolled back, but only data some
 *   write put there: every value they see was written by an operation invoked before the read
 *   returned (`future-read`).
 */
import type { Operation } from '../history';
import { checkLinearizable, DEFAULT_LINEARIZABILITY_BUDGET, describeRegisterInput, registerModel } from './linearizable';
import type { LinearizabilityBudget, LinearizableOp, RegisterInput } from './linearizable';
import { resultOf } from './result';
import type { CheckerResult, Violation } from './result';

export type ReadLevel = 'linearizable' | 'majority' | 'local';

export interface RegisterWrite {
  key: string;
  value: number;
}
export interface RegisterCas {
  key: string;
  from: number;
  to: number;
}
export interface RegisterRead {
  key: string;
  rc: ReadLevel;
  /** Set on the final reads after the set healed. */
  final?: boolean;
}
export interface RegisterReadResult {
  value: number | null;
  history: number[];
}
export interface CasResult {
  applied: boolean;
}

function keyOf(op: Operation): string {
  return (op.value as { key: string }).key;
}

function describeOp(op: Operation): string {
  const v = op.value as Record<string, unknown>;
  const outcome = op.type === 'ok' ? (op.f === 'read' ? ` -> ${JSON.stringify((op.result as RegisterReadResult).value)}` : op.f === 'cas' ? ` -> ${(op.result as CasResult).applied ? 'applied' : 'not applied'}` : '') : ` (${op.type}${op.error ? `: ${op.error}` : ''})`;
  const what = op.f === 'read' ? `read ${String(v.rc)}` : op.f === 'cas' ? `cas ${String(v.from)}->${String(v.to)}` : `write ${String(v.value)}`;
  return `process ${op.process} ${what} of ${String(v.key)}${outcome} [events ${op.invokeIndex}..${Number.isFinite(op.completeIndex) ? op.completeIndex : '∞'}]`;
}

/** The linearizability search over every key (writes, cas, linearizable reads). */
export function checkRegisterLinearizable(ops: readonly Operation[], budget: LinearizabilityBudget = DEFAULT_LINEARIZABILITY_BUDGET): CheckerResult {
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    if (op.f !== 'read' && op.f !== 'write' && op.f !== 'cas') continue;
    let list = byKey.get(keyOf(op));
    if (!list) byKey.set(keyOf(op), (list = []));
    list.push(op);
  }
  const violations: Violation[] = [];
  const notes: string[] = [];
  let checked = 0;
  let steps = 0;
  let unknown = false;
  for (const [key, list] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const lin: LinearizableOp<RegisterInput>[] = [];
    const byId = new Map<number, Operation>();
    for (const op of list) {
      const input = linearizableInput(op);
      if (!input) continue;
      const id = op.invokeIndex;
      byId.set(id, op);
      lin.push({ id, input, invoke: op.invokeIndex, complete: op.type === 'ok' ? op.completeIndex : undefined });
    }
    checked += lin.length;
    const result = checkLinearizable(registerModel, lin, budget);
    steps += result.steps;
    if (result.valid === 'unknown') {
      unknown = true;
      notes.push(`key ${key}: ${result.reason} (${lin.length} operations)`);
    } else if (!result.valid) {
      const stuck = byId.get(result.stuck.id)!;
      violations.push({
        checker: 'linearizable',
        kind: 'nonlinearizable',
        key,
        message: `key ${key} is not linearizable: no order of its ${lin.length} operations fits a register; the longest linearizable prefix has ${result.longestPrefix.length} operations and leaves the register at ${result.stateAfterPrefix}; then ${describeOp(stuck)} cannot take effect (${describeRegisterInput(result.stuck.input)})`,
        events: [...result.longestPrefix.slice(-6), stuck.invokeIndex, ...(Number.isFinite(stuck.completeIndex) ? [stuck.completeIndex] : [])],
      });
    }
  }
  return resultOf('linearizable', violations, { keys: byKey.size, operations: checked, steps }, notes, unknown);
}

function linearizableInput(op: Operation): RegisterInput | undefined {
  if (op.type === 'fail') return undefined;
  if (op.f === 'write') return { f: 'write', value: (op.value as RegisterWrite).value };
  if (op.f === 'cas') {
    const cas = op.value as RegisterCas;
    // A cas that matched nothing wrote nothing (and waited for no write concern): it did not happen.
    if (op.type === 'ok' && !(op.result as CasResult).applied) return undefined;
    return { f: 'cas', from: cas.from, to: cas.to };
  }
  const read = op.value as RegisterRead;
  if (read.rc !== 'linearizable' || op.type !== 'ok') return undefined;
  return { f: 'read', value: (op.result as RegisterReadResult).value };
}

/**
 * Durability and what weaker reads promise, against each key's final history (the `h` of the
 * final linearizable read, made after the set healed).
 */
export function checkRegisterReads(ops: readonly Operation[]): CheckerResult {
  const violations: Violation[] = [];
  const notes: string[] = [];
  const finals = new Map<string, Operation>();
  const writers = new Map<string, Map<number, Operation>>();
  for (const op of ops) {
    if (op.f === 'read' && (op.value as RegisterRead).final === true && op.type === 'ok') finals.set(keyOf(op), op);
    if (op.f === 'write' || op.f === 'cas') {
      const value = op.f === 'write' ? (op.value as RegisterWrite).value : (op.value as RegisterCas).to;
      let m = writers.get(keyOf(op));
      if (!m) writers.set(keyOf(op), (m = new Map()));
      m.set(value, op);
    }
  }
  const keys = new Set<string>([...writers.keys(), ...ops.filter((o) => o.f === 'read').map(keyOf)]);
  let majorityReads = 0;
  let localReads = 0;
  for (const key of [...keys].sort()) {
    const written = writers.get(key) ?? new Map<number, Operation>();
    const final = finals.get(key);
    const finalHistory = final ? (final.result as RegisterReadResult).history : undefined;
    if (!finalHistory) {
      notes.push(`key ${key}: no final read, durability and majority reads not checked`);
    } else {
      const seen = new Set<number>();
      for (const value of finalHistory) {
        if (seen.has(value)) violations.push({ checker: 'register', kind: 'duplicate-write', key, message: `key ${key}: value ${value} is in the final history twice (a write applied twice)`, events: [final!.completeIndex] });
        seen.add(value);
        if (!written.has(value)) violations.push({ checker: 'register', kind: 'phantom', key, message: `key ${key}: value ${value} is in the final history but no operation wrote it`, events: [final!.completeIndex] });
      }
      for (const [value, op] of written) {
        const acked = op.type === 'ok' && (op.f === 'write' || (op.result as CasResult).applied);
        if (acked && !seen.has(value)) {
          violations.push({ checker: 'register', kind: 'lost-write', key, message: `key ${key}: ${describeOp(op)} was acknowledged with w:"majority" but its value is not in the final history [${finalHistory.join(' ')}]`, events: [op.invokeIndex, op.completeIndex, final!.completeIndex] });
        }
        if (op.type === 'fail' && seen.has(value)) {
          violations.push({ checker: 'register', kind: 'failed-write-applied', key, message: `key ${key}: ${describeOp(op)} failed, yet its value is in the final history`, events: [op.invokeIndex, op.completeIndex] });
        }
      }
    }
    for (const op of ops) {
      if (op.f !== 'read' || op.type !== 'ok' || keyOf(op) !== key) continue;
      const read = op.value as RegisterRead;
      const got = op.result as RegisterReadResult;
      if (read.rc === 'majority' || read.rc === 'linearizable') {
        if (read.rc === 'majority') majorityReads++;
        if (finalHistory && !isPrefix(got.history, finalHistory)) {
          violations.push({
            checker: 'register',
            kind: 'dirty-read',
            key,
            message: `key ${key}: ${describeOp(op)} saw history [${got.history.join(' ')}], which is not a prefix of the final [${finalHistory.join(' ')}]: it read data that was rolled back`,
            events: [op.invokeIndex, op.completeIndex],
          });
        }
      } else {
        localReads++;
      }
      for (const value of got.history) {
        const writer = written.get(value);
        if (!writer || writer.invokeIndex > op.completeIndex) {
          violations.push({ checker: 'register', kind: 'future-read', key, message: `key ${key}: ${describeOp(op)} saw value ${value}, which ${writer ? `was first written later (event ${writer.invokeIndex})` : 'no operation wrote'}`, events: [op.invokeIndex, op.completeIndex] });
        }
      }
    }
  }
  return resultOf('register', violations, { keys: keys.size, finalReads: finals.size, majorityReads, localReads }, notes);
}

function isPrefix(a: readonly number[], b: readonly number[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
