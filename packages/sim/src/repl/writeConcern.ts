import type { Document } from 'bson';
import type { TimerHandle } from '../clock/clock';
import { ServerError, serverError } from '../base/errors';
import type { OpTime } from '../base/optime';
import type { ReplSetConfig } from './config';
import { findCustomWriteMode, tagPatternMatched, votingMajority, writableVotingMembersCount } from './config';
import type { ReplContext } from './context';
import type { WriteConcern } from './parameters';

/**
 * MongoDB 5.0+'s implicit default write concern (manual, "Default MongoDB Read Concerns/Write
 * Concerns"): w:1 when the set has an arbiter and its voting data-bearing members are no more than
 * the voting majority (1 + floor(voters / 2)), else w:"majority". No config: w:1.
 */
export function implicitDefaultWriteConcern(config: ReplSetConfig | undefined): WriteConcern {
  if (!config) return { w: 1, wtimeout: 0, provenance: 'implicitDefault' };
  // ReplSetConfig's counts (_calculateMajorities): newlyAdded members are not voters.
  const arbiters = config.members.filter((m) => m.arbiterOnly).length;
  const w = arbiters > 0 && writableVotingMembersCount(config) <= votingMajority(config) ? 1 : 'majority';
  return { w, wtimeout: 0, provenance: 'implicitDefault' };
}

interface Waiter {
  opTime: OpTime;
  /** A number of members, "majority", or a custom mode's name (looked up in the config at each check). */
  w: number | 'majority' | { mode: string };
  wtimeout: number;
  resolve: (error: Document | undefined) => void;
  timer: TimerHandle | undefined;
  /** The operation's signal (killOp, a closed connection) and the listener `finish` takes off it. */
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Writes waiting for their write concern (mongod's ReplicationCoordinatorImpl::_awaitReplication):
 * each waits until the topology core says its optime has reached `w` members or the commit point,
 * its wtimeout passes, or the primary steps down or stops.
 */
export class WriteConcernWaiters {
  private readonly ctx: ReplContext;
  private readonly waiters = new Set<Waiter>();

  constructor(ctx: ReplContext) {
    this.ctx = ctx;
  }

  /**
   * Wait for `opTime` to satisfy the write concern. Resolves with undefined when satisfied, or
   * with the `writeConcernError` document mongod would send. The wait listens to the operation's
   * `signal`, as mongod's awaitReplication waits on its OperationContext: killOp or a closed
   * connection ends it with the interruption as the writeConcernError (the write stays applied).
   */
  wait(opTime: OpTime, wc: WriteConcern | undefined, signal?: AbortSignal): Promise<Document | undefined> {
    const { topology, params } = this.ctx;
    const w = wc?.w ?? 1;
    const wtimeout = Number(wc?.wtimeout ?? 0);
    // WriteConcernOptions::toBSON: w, then j when the command set it, then wtimeout and provenance.
    const wcDoc: Document = { w, ...(wc?.j === undefined ? {} : { j: wc.j }), wtimeout, provenance: wc?.provenance ?? 'clientSupplied' };
    if (typeof w === 'number') {
      if (w <= 1) return Promise.resolve(undefined);
      const config = topology.config;
      const dataBearing = config ? config.members.filter((m) => !m.arbiterOnly).length : 1;
      if (w > dataBearing) {
        return Promise.resolve(serverError('UnsatisfiableWriteConcern', 'Not enough data-bearing nodes', { extra: { errInfo: { writeConcern: wcDoc } } }).toWriteConcernError());
      }
    } else if (w !== 'majority' && topology.config) {
      // The write is already applied: mongod looks the mode up while waiting for replication
      // (ReplicationCoordinatorImpl::_awaitReplication → ReplSetConfig::
      // checkIfWriteConcernCanBeSatisfied), so an unknown mode, or one that even every member
      // together could not satisfy, is a writeConcernError beside ok: 1, never a command error.
      const pattern = findCustomWriteMode(topology.config, w);
      if (!pattern) {
        return Promise.resolve(serverError('UnknownReplWriteConcern', `No write concern mode named '${w}' found in replica set configuration`, { extra: { errInfo: { writeConcern: wcDoc } } }).toWriteConcernError());
      }
      if (!tagPatternMatched(pattern, topology.config.members)) {
        return Promise.resolve(serverError('UnsatisfiableWriteConcern', `Not enough nodes match write concern mode "${w}"`, { extra: { errInfo: { writeConcern: wcDoc } } }).toWriteConcernError());
      }
    }
    const wv: Waiter['w'] = typeof w === 'number' || w === 'majority' ? w : { mode: w };
    if (!topology.config) return Promise.resolve(undefined);
    if (this.reached(opTime, wv) === true) return Promise.resolve(undefined);
    if (this.waiters.size >= params.writeConcernWaitersMax) {
      return Promise.reject(serverError('ExceededMemoryLimit', `too many writes waiting for write concern (${params.writeConcernWaitersMax})`));
    }
    // An operation killed before its wait began: the wait's first interrupt check fails it.
    if (signal?.aborted === true) return Promise.resolve(withWriteConcern(interruption(signal), wcDoc));
    return new Promise((resolve) => {
      // Every writeConcernError names the write concern it could not satisfy (errInfo.writeConcern).
      const withWc = (error: Document | undefined): void => resolve(error ? withWriteConcern(error, wcDoc) : undefined);
      const waiter: Waiter = { opTime, w: wv, wtimeout, resolve: withWc, timer: undefined, signal, onAbort: undefined };
      this.waiters.add(waiter);
      if (signal !== undefined) {
        waiter.onAbort = () => this.finish(waiter, interruption(signal));
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      if (wtimeout > 0) {
        waiter.timer = this.ctx.timers.set(wtimeout, () => {
          this.finish(waiter, serverError('WriteConcernFailed', 'waiting for replication timed out', { extra: { errInfo: { wtimeout: true, writeConcern: wcDoc } } }).toWriteConcernError());
        });
      }
    });
  }

  /** Release every wait the commit point or the members' positions now satisfy. */
  check(): void {
    if (this.waiters.size === 0) return;
    for (const waiter of [...this.waiters]) {
      const reached = this.reached(waiter.opTime, waiter.w);
      if (reached === true) this.finish(waiter, undefined);
      else if (reached !== false) this.finish(waiter, reached);
    }
  }

  /**
   * Whether `opTime` satisfies `w` now; for a custom mode that a reconfig took away, the
   * writeConcernError mongod gives (the mode is looked up again at each check:
   * _doneWaitingForReplication_inlock → findCustomWriteMode).
   */
  private reached(opTime: OpTime, w: Waiter['w']): boolean | Document {
    const { topology } = this.ctx;
    if (typeof w !== 'object') return topology.satisfied(opTime, w);
    const pattern = topology.config ? findCustomWriteMode(topology.config, w.mode) : undefined;
    if (!pattern) return serverError('UnknownReplWriteConcern', `No write concern mode named '${w.mode}' found in replica set configuration`).toWriteConcernError();
    return topology.satisfied(opTime, pattern);
  }

  /** Writes waiting now (a test's view: every wait must end, none may leak). */
  get size(): number {
    return this.waiters.size;
  }

  failAll(error: Document): void {
    for (const waiter of [...this.waiters]) this.finish(waiter, error);
  }

  private finish(waiter: Waiter, error: Document | undefined): void {
    if (!this.waiters.delete(waiter)) return;
    waiter.timer?.cancel();
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(error);
  }
}

/**
 * The status an interrupted wait fails with (operation_context.cpp checkForInterruptNoAssert): the
 * kill's own (killOp: Interrupted), or for a closed connection ClientDisconnect (_checkClientConnected).
 */
function interruption(signal: AbortSignal): Document {
  const reason: unknown = signal.reason;
  if (reason instanceof ServerError) return reason.toWriteConcernError();
  return serverError('ClientDisconnect', 'operation was interrupted because a client disconnected').toWriteConcernError();
}

function withWriteConcern(error: Document, wcDoc: Document): Document {
  const errInfo = (error.errInfo as Document | undefined) ?? {};
  if (errInfo.writeConcern !== undefined) return error;
  return { ...error, errInfo: { ...errInfo, writeConcern: wcDoc } };
}
