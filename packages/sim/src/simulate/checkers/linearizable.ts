/**
 * Linearizability of one object's history: the Wing–Gong search as Lowe refined it ("Testing for
 * linearizability", 2017), which is also what Knossos's `linear`/`wgl` checkers do. Operations sit
 * in a list of call and return entries in history order. The search takes the first call it can
 * apply to the model (the model accepts it from the current state), "lifts" it (removes its call
 * and return) and starts again from the head; meeting a return entry means an operation that had
 * to take effect by then could not, so it backtracks. A cache of (set of linearized operations,
 * model state) pairs already explored keeps it from exploring a configuration twice.
 *
 * Operations whose outcome is unknown (`info`) have no return entry: they may take effect at any
 * point after their call, or never. Operations that certainly failed are left out by the caller.
 *
 * The search is exponential in the worst case; it stops after `stepsMax` steps (or `cacheMax`
 * cached configurations) and answers `unknown` rather than run on.
 */

export interface Model<S, I> {
  readonly init: S;
  /** The state after `input` from `state`, or undefined when `input` cannot happen there. */
  step(state: S, input: I): S | undefined;
  /** A string that equals another state's exactly when the states are equal. */
  key(state: S): string;
  /** For reports. */
  describe(state: S): string;
}

export interface LinearizableOp<I> {
  /** The caller's id for the operation (reported back). */
  readonly id: number;
  readonly input: I;
  /** History index of the call. */
  readonly invoke: number;
  /** History index of the return; undefined when the outcome is unknown (`info`). */
  readonly complete: number | undefined;
}

export interface LinearizabilityBudget {
  stepsMax: number;
  cacheMax: number;
}

export const DEFAULT_LINEARIZABILITY_BUDGET: LinearizabilityBudget = { stepsMax: 2_000_000, cacheMax: 500_000 };

export type LinearizabilityResult<I> =
  | { valid: true; steps: number; ops: number }
  | {
      valid: false;
      steps: number;
      ops: number;
      /** The operation the search could never place: its return came with it still unplaced. */
      stuck: LinearizableOp<I>;
      /** The longest linearization found (operation ids in order) and the state after it. */
      longestPrefix: number[];
      stateAfterPrefix: string;
    }
  | { valid: 'unknown'; steps: number; ops: number; reason: string };

interface Entry<I> {
  op: LinearizableOp<I>;
  /** The matching call of a return, or the return of a call (undefined for an `info` call). */
  match: Entry<I> | undefined;
  isCall: boolean;
  prev: Entry<I> | undefined;
  next: Entry<I> | undefined;
  slot: number;
}

export function checkLinearizable<S, I>(model: Model<S, I>, ops: readonly LinearizableOp<I>[], budget: LinearizabilityBudget = DEFAULT_LINEARIZABILITY_BUDGET): LinearizabilityResult<I> {
  // Build the entry list in history order.
  const raw: Array<{ at: number; entry: Entry<I> }> = [];
  ops.forEach((op, slot) => {
    if (op.complete !== undefined && !(op.complete > op.invoke)) throw new RangeError(`linearizable: op ${op.id} completes (${op.complete}) before it is invoked (${op.invoke})`);
    const call: Entry<I> = { op, match: undefined, isCall: true, prev: undefined, next: undefined, slot };
    raw.push({ at: op.invoke, entry: call });
    if (op.complete !== undefined) {
      const ret: Entry<I> = { op, match: call, isCall: false, prev: undefined, next: undefined, slot };
      call.match = ret;
      raw.push({ at: op.complete, entry: ret });
    }
  });
  raw.sort((a, b) => a.at - b.at);
  // A sentinel head makes lifting the first entry the same as any other.
  const head: Entry<I> = { op: undefined as unknown as LinearizableOp<I>, match: undefined, isCall: false, prev: undefined, next: undefined, slot: -1 };
  let tail = head;
  for (const { entry } of raw) {
    entry.prev = tail;
    tail.next = entry;
    tail = entry;
  }
  const words = Math.ceil(ops.length / 32) || 1;
  const linearized = new Uint32Array(words);
  let remainingOk = ops.filter((o) => o.complete !== undefined).length;
  const cache = new Set<string>();
  const stack: Array<{ entry: Entry<I>; state: S }> = [];
  let state = model.init;
  let steps = 0;
  let longest: number[] = [];
  let longestState = model.describe(state);
  let stuck: LinearizableOp<I> | undefined;
  let stuckDepth = -1;

  const lift = (call: Entry<I>): void => {
    call.prev!.next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match;
    if (ret) {
      ret.prev!.next = ret.next;
      if (ret.next) ret.next.prev = ret.prev;
    }
  };
  const unlift = (call: Entry<I>): void => {
    const ret = call.match;
    if (ret) {
      ret.prev!.next = ret;
      if (ret.next) ret.next.prev = ret;
    }
    call.prev!.next = call;
    if (call.next) call.next.prev = call;
  };
  const bitsKey = (): string => {
    let s = '';
    for (let i = 0; i < words; i++) s += `${linearized[i]!.toString(36)},`;
    return s;
  };

  let entry = head.next;
  while (remainingOk > 0) {
    if (++steps > budget.stepsMax) return { valid: 'unknown', steps, ops: ops.length, reason: `search stopped after ${budget.stepsMax} steps` };
    if (entry !== undefined && entry.isCall) {
      const next = model.step(state, entry.op.input);
      if (next !== undefined) {
        const slot = entry.slot;
        linearized[slot >>> 5]! |= 1 << (slot & 31);
        const key = `${bitsKey()}${model.key(next)}`;
        if (!cache.has(key)) {
          if (cache.size >= budget.cacheMax) return { valid: 'unknown', steps, ops: ops.length, reason: `search cache passed ${budget.cacheMax} configurations` };
          cache.add(key);
          stack.push({ entry, state });
          state = next;
          lift(entry);
          if (entry.op.complete !== undefined) remainingOk--;
          if (stack.length > longest.length) {
            longest = stack.map((s) => s.entry.op.id);
            longestState = model.describe(state);
          }
          entry = head.next;
          continue;
        }
        linearized[slot >>> 5]! &= ~(1 << (slot & 31));
      }
      entry = entry.next;
      continue;
    }
    // A return (or the end of the list) with its operation not placed: backtrack.
    if (entry !== undefined && stack.length > stuckDepth) {
      stuck = entry.op;
      stuckDepth = stack.length;
    }
    const top = stack.pop();
    if (!top) {
      return { valid: false, steps, ops: ops.length, stuck: stuck ?? entry?.op ?? ops[0]!, longestPrefix: longest, stateAfterPrefix: longestState };
    }
    state = top.state;
    const slot = top.entry.slot;
    linearized[slot >>> 5]! &= ~(1 << (slot & 31));
    unlift(top.entry);
    if (top.entry.op.complete !== undefined) remainingOk++;
    entry = top.entry.next;
  }
  return { valid: true, steps, ops: ops.length };
}

// ---- the register (one document's field), as MongoDB's single-document operations use it

export type RegisterValue = number | null;

export type RegisterInput =
  | { f: 'read'; value: RegisterValue }
  | { f: 'write'; value: number }
  | { f: 'cas'; from: RegisterValue; to: number };

/** A register that starts absent (null): reads must see the current value, a cas swaps only from its expected value. */
export const registerModel: Model<RegisterValue, RegisterInput> = {
  init: null,
  step(state, input) {
    switch (input.f) {
      case 'read':
        return input.value === state ? state : undefined;
      case 'write':
        return input.value;
      case 'cas':
        return input.from === state ? input.to : undefined;
    }
  },
  key(state) {
    return state === null ? 'null' : String(state);
  },
  describe(state) {
    return state === null ? 'absent' : String(state);
  },
};

/** A compare-and-set register as Knossos's `cas-register` model, with an initial value. */
export function registerModelFrom(init: RegisterValue): Model<RegisterValue, RegisterInput> {
  return { ...registerModel, init };
}

export function describeRegisterInput(input: RegisterInput): string {
  switch (input.f) {
    case 'read':
      return `read ${input.value === null ? 'absent' : input.value}`;
    case 'write':
      return `write ${input.value}`;
    case 'cas':
      return `cas ${input.from === null ? 'absent' : input.from}->${input.to}`;
  }
}
