import type { Document } from 'bson';
import type { TimerHandle } from '../clock/clock';
import { serverError } from '../base/errors';
import type { OpTime } from '../base/optime';
import type { ReplContext } from './context';
import type { WriteConcern } from './parameters';

interface Waiter {
  opTime: OpTime;
  w: number | 'majority';
  wtimeout: number;
  resolve: (error: Document | undefined) => void;
  timer: TimerHandle | undefined;
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
   * with the `writeConcernError` document mongod would send.
   */
  wait(opTime: OpTime, wc: WriteConcern | undefined): Promise<Document | undefined> {
    const { topology, params } = this.ctx;
    const w = wc?.w ?? 1;
    const wtimeout = Number(wc?.wtimeout ?? 0);
    const wcDoc: Document = { w, wtimeout, provenance: wc?.w === undefined ? 'implicitDefault' : 'clientSupplied' };
    if (typeof w === 'number') {
      if (w <= 1) return Promise.resolve(undefined);
      const config = topology.config;
      const dataBearing = config ? config.members.filter((m) => !m.arbiterOnly).length : 1;
      if (w > dataBearing) {
        return Promise.resolve(serverError('UnsatisfiableWriteConcern', 'Not enough data-bearing nodes', { extra: { errInfo: { writeConcern: wcDoc } } }).toWriteConcernError());
      }
    } else if (w !== 'majority') {
      return Promise.reject(serverError('UnknownReplWriteConcern', `Unrecognized write concern mode: ${w}`));
    }
    const wv: number | 'majority' = typeof w === 'number' ? w : 'majority';
    if (!topology.config) return Promise.resolve(undefined);
    if (topology.satisfied(opTime, wv)) return Promise.resolve(undefined);
    if (this.waiters.size >= params.writeConcernWaitersMax) {
      return Promise.reject(serverError('ExceededMemoryLimit', `too many writes waiting for write concern (${params.writeConcernWaitersMax})`));
    }
    return new Promise((resolve) => {
      const waiter: Waiter = { opTime, w: wv, wtimeout, resolve, timer: undefined };
      this.waiters.add(waiter);
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
      if (this.ctx.topology.satisfied(waiter.opTime, waiter.w)) this.finish(waiter, undefined);
    }
  }

  failAll(error: Document): void {
    for (const waiter of [...this.waiters]) this.finish(waiter, error);
  }

  private finish(waiter: Waiter, error: Document | undefined): void {
    if (!this.waiters.delete(waiter)) return;
    waiter.timer?.cancel();
    waiter.resolve(error);
  }
}
