/**
 * The history of a simulated run, as Jepsen records it: every client operation is an `invoke`
 * event followed by one completion from the same process: `ok` (it happened, with its result),
 * `fail` (it certainly did not happen) or `info` (unknown: it may have happened, or may still).
 * A process whose operation ended `info` never issues another one (it may still be in flight);
 * its client carries on as a new process, as Jepsen's do.
 *
 * Events are numbered in the order the run saw them; that order (not the virtual clock, which can
 * give several events the same millisecond) is what "before" means for the checkers.
 */

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

export interface HistoryEvent {
  /** Position in the history, from 0. */
  readonly index: number;
  readonly type: EventType;
  /** The client process (see above); -1 for the nemesis. */
  readonly process: number;
  /** What the operation does: `read`, `write`, `cas`, `add`, `txn`, `push`, or a nemesis kind. */
  readonly f: string;
  /** The invocation's argument, or the completion's result. */
  readonly value: unknown;
  /** Virtual milliseconds since the run started (for the report; order comes from `index`). */
  readonly timeMillis: number;
  /** The member the operation went to. */
  readonly node?: string;
  /** Why it failed or is unknown (a server error's codeName, a network error). */
  readonly error?: string;
  /** What else the report should say (read concern, write concern, attempt). */
  readonly note?: string;
}

/** The process number of the nemesis in a history. */
export const NEMESIS_PROCESS = -1;

/** A history being recorded, with a limit so a runaway run cannot eat the memory. */
export class HistoryRecorder {
  private readonly list: HistoryEvent[] = [];
  private readonly pending = new Map<number, HistoryEvent>();
  private readonly now: () => number;
  private readonly eventsMax: number;

  constructor(now: () => number, eventsMax = 200_000) {
    this.now = now;
    this.eventsMax = eventsMax;
  }

  get events(): readonly HistoryEvent[] {
    return this.list;
  }

  private push(event: Omit<HistoryEvent, 'index' | 'timeMillis'>): HistoryEvent {
    if (this.list.length >= this.eventsMax) throw new RangeError(`history: more than ${this.eventsMax} events`);
    const full: HistoryEvent = { ...event, index: this.list.length, timeMillis: this.now() };
    this.list.push(full);
    return full;
  }

  invoke(process: number, f: string, value: unknown, extra: { node?: string; note?: string } = {}): HistoryEvent {
    if (this.pending.has(process)) throw new Error(`history: process ${process} invoked ${f} while an operation is pending`);
    const event = this.push({ type: 'invoke', process, f, value, ...extra });
    this.pending.set(process, event);
    return event;
  }

  complete(process: number, type: Exclude<EventType, 'invoke'>, value: unknown, extra: { node?: string; error?: string; note?: string } = {}): HistoryEvent {
    const invoked = this.pending.get(process);
    if (!invoked) throw new Error(`history: process ${process} completed with nothing pending`);
    this.pending.delete(process);
    return this.push({ type, process, f: invoked.f, value, ...extra });
  }

  /** A nemesis action: one `info` event (it has no duration worth checking). */
  nemesis(f: string, value: unknown, note?: string): HistoryEvent {
    return this.push({ type: 'info', process: NEMESIS_PROCESS, f, value, ...(note === undefined ? {} : { note }) });
  }

  /** Every operation still pending ends `info` (the run is over; nobody knows their outcome). */
  closePending(error: string): void {
    for (const process of [...this.pending.keys()]) this.complete(process, 'info', null, { error });
  }
}

/** An operation: an invocation and its completion, paired. */
export interface Operation {
  readonly process: number;
  readonly f: string;
  /** The invocation's value. */
  readonly value: unknown;
  /** The completion's value (for `info`, null). */
  readonly result: unknown;
  readonly type: Exclude<EventType, 'invoke'>;
  readonly invokeIndex: number;
  /** The completion's index; for `info`, the operation may take effect at any later point. */
  readonly completeIndex: number;
  readonly invokeMillis: number;
  readonly completeMillis: number;
  readonly node?: string;
  readonly error?: string;
  readonly note?: string;
}

/** Pair invocations with completions (nemesis events are left out). An invocation never completed counts as `info`. */
export function operations(history: readonly HistoryEvent[]): Operation[] {
  const open = new Map<number, HistoryEvent>();
  const out: Operation[] = [];
  const finish = (inv: HistoryEvent, done: HistoryEvent | undefined): void => {
    out.push({
      process: inv.process,
      f: inv.f,
      value: inv.value,
      result: done === undefined || done.type === 'info' ? null : done.value,
      type: done === undefined ? 'info' : (done.type as Operation['type']),
      invokeIndex: inv.index,
      completeIndex: done?.index ?? Number.POSITIVE_INFINITY,
      invokeMillis: inv.timeMillis,
      completeMillis: done?.timeMillis ?? Number.POSITIVE_INFINITY,
      ...(done?.node ?? inv.node ? { node: done?.node ?? inv.node } : {}),
      ...(done?.error === undefined ? {} : { error: done.error }),
      ...(inv.note === undefined ? {} : { note: inv.note }),
    });
  };
  for (const event of history) {
    if (event.process === NEMESIS_PROCESS) continue;
    if (event.type === 'invoke') {
      const prior = open.get(event.process);
      if (prior) throw new Error(`history: process ${event.process} invoked at ${event.index} with ${prior.index} still open`);
      open.set(event.process, event);
      continue;
    }
    const inv = open.get(event.process);
    if (!inv) throw new Error(`history: completion at ${event.index} for process ${event.process} with nothing invoked`);
    open.delete(event.process);
    finish(inv, event);
  }
  for (const inv of open.values()) finish(inv, undefined);
  out.sort((a, b) => a.invokeIndex - b.invokeIndex);
  return out;
}

/** Build a history by hand (checker tests, literature examples): `[process, type, f, value]` rows in order. */
export function historyOf(rows: ReadonlyArray<readonly [number, EventType, string, unknown]>): HistoryEvent[] {
  return rows.map(([process, type, f, value], index) => ({ index, type, process, f, value, timeMillis: index }));
}
