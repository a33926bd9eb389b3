/** What a checker says about a history. */

export interface Violation {
  /** The checker that found it (`linearizable`, `elle`, ...). */
  readonly checker: string;
  /** A stable name for what went wrong (`nonlinearizable`, `lost-write`, `G1c`, ...). */
  readonly kind: string;
  readonly message: string;
  /** The object it concerns (a register's key), when there is one. */
  readonly key?: string;
  /** History indices of the events involved (for the report). */
  readonly events?: readonly number[];
}

export interface CheckerResult {
  readonly checker: string;
  /** `unknown`: the checker gave up (search budget) without finding a violation. */
  readonly valid: boolean | 'unknown';
  readonly violations: readonly Violation[];
  /** Counts worth printing (operations checked, keys, steps...). */
  readonly stats: Readonly<Record<string, number>>;
  /** Why parts were not checked (budget spent, no final read). */
  readonly notes?: readonly string[];
}

/** Violations past this many per checker are counted, not kept. */
export const VIOLATIONS_KEPT_MAX = 20;

export function resultOf(checker: string, violations: Violation[], stats: Record<string, number>, notes: string[] = [], unknown = false): CheckerResult {
  const kept = violations.slice(0, VIOLATIONS_KEPT_MAX);
  const valid = violations.length > 0 ? false : unknown ? 'unknown' : true;
  return { checker, valid, violations: kept, stats: { ...stats, violations: violations.length }, ...(notes.length > 0 ? { notes } : {}) };
}
