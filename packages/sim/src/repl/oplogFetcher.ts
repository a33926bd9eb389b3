import { Long } from 'bson';
import type { Document } from 'bson';
import { compareOpTime, opTimeEquals, opTimeToBson, tsSecs, tsToBson } from '../base/optime';
import { LogIds } from '../log/ids';
import { entryFromBson } from '../storage/oplog';
import type { OplogEntry } from '../storage/oplog';
import { applyBatch } from './applier';
import { InitialSyncAttemptError, initialSyncClone } from './initialSync';
import type { ReplContext } from './context';
import { errorMessage } from './context';
import { asBigInt } from './oplogServer';
import type { PositionReporter } from './positionReporter';
import { rollback } from './rollback';

/** One run of the fetcher, from start to stop; a stopped run's answers are dropped. */
interface FetchRun {
  cancelled: boolean;
}

/**
 * Pulling the oplog (mongod's BackgroundSync with its OplogFetcher): while the topology core wants
 * it, pick a sync source (the core's choice), open a tailable awaitData cursor on its oplog from
 * our last entry, apply batch after batch, and give the source up when the core says so. A first
 * batch that does not start at our last entry means divergence: roll back when the source is
 * primary, pass over it otherwise. Failures denylist the source for a while.
 */
export class OplogFetcher {
  private readonly ctx: ReplContext;
  private readonly positions: PositionReporter;
  private run: FetchRun | undefined;

  constructor(ctx: ReplContext, positions: PositionReporter) {
    this.ctx = ctx;
    this.positions = positions;
  }

  get running(): boolean {
    return this.run !== undefined;
  }

  start(): void {
    if (this.run || !this.ctx.topology.wantsToFetch) return;
    const run: FetchRun = { cancelled: false };
    this.run = run;
    this.loop(run).catch((e: unknown) => {
      this.ctx.ports.log('E', 'REPL', LogIds.oplogFetcherFailed, { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      if (this.run === run) {
        this.run = undefined;
        this.ctx.timers.set(this.ctx.params.syncSourceRetryMillis, () => this.start());
      }
    });
  }

  stop(): void {
    if (this.run) this.run.cancelled = true;
    this.run = undefined;
  }

  private async loop(run: FetchRun): Promise<void> {
    const { topology, timers, params } = this.ctx;
    const alive = (): boolean => !run.cancelled && !this.ctx.stopped();
    while (alive()) {
      if (!topology.wantsToFetch) break;
      if (this.ctx.ports.replProducerStopped?.() === true) {
        // bgsync.cpp _produce: the stopReplProducer fail point holds the producer, a second at a time.
        this.ctx.ports.log('I', 'REPL', LogIds.stopReplProducer, {});
        await timers.sleep(1000);
        continue;
      }
      const source = topology.chooseSyncSource();
      if (!source) {
        topology.setSyncSource(null);
        if (topology.isCatchingUp) {
          topology.finishCatchUp('no sync source to catch up from');
          break;
        }
        await timers.sleep(params.syncSourceRetryMillis);
        continue;
      }
      topology.setSyncSource(source);
      let pauseMillis = 50;
      try {
        await this.fetchFrom(source, alive);
      } catch (e) {
        if (!alive()) break;
        if (e instanceof InitialSyncAttemptError) {
          topology.initialSyncAttemptFailed(source, e.message);
          pauseMillis = params.initialSyncRetryWaitMillis;
        } else topology.denylistSyncSource(source, errorMessage(e));
      }
      if (!alive()) break;
      topology.setSyncSource(null);
      await timers.sleep(pauseMillis);
    }
    if (this.run === run) this.run = undefined;
  }

  /**
   * Apply a fetched batch; a delayed member (secondaryDelaySecs) takes an entry only once the
   * entry's timestamp is that many seconds old by its own clock, waiting for the rest (mongod's
   * OplogBatcher::_calculateSecondaryDelaySecsLatestTimestamp: now - secondaryDelaySecs bounds a
   * batch). Initial sync is never delayed. While it waits it keeps telling its sync source where it
   * is, at least every half election timeout, as between getMores.
   */
  private async applyWhenDue(entries: OplogEntry[], caughtUp: boolean, alive: () => boolean): Promise<void> {
    const { topology, timers } = this.ctx;
    let rest = entries;
    for (;;) {
      const delaySecs = topology.state === 'SECONDARY' ? (topology.selfConfig?.secondaryDelaySecs ?? 0) : 0;
      if (delaySecs <= 0 || rest.length === 0) {
        applyBatch(this.ctx, rest, caughtUp);
        return;
      }
      const latestSecs = (timers.now() - delaySecs * 1000) / 1000;
      let due = 0;
      while (due < rest.length && tsSecs(rest[due]!.ts) <= latestSecs) due++;
      if (due > 0) {
        applyBatch(this.ctx, rest.slice(0, due), caughtUp && due === rest.length);
        rest = rest.slice(due);
        continue;
      }
      const waitMillis = (tsSecs(rest[0]!.ts) + delaySecs) * 1000 - timers.now();
      await timers.sleep(Math.max(1, Math.min(waitMillis, Math.floor(topology.electionTimeoutMillis / 2))));
      if (!alive()) return;
      this.positions.schedule();
    }
  }

  private async fetchFrom(source: string, alive: () => boolean): Promise<void> {
    const { topology, ports, params } = this.ctx;
    const last = topology.oplog.last();
    if (!last) {
      // Nothing of our own: clone the source, then fetch from the entry the clone started at.
      await initialSyncClone(this.ctx, source, alive);
      return;
    }
    const batchSize = params.oplogFetchBatchEntriesMax;
    const find: Document = {
      find: 'oplog.rs',
      filter: { ts: { $gte: tsToBson(last.ts) } },
      tailable: true,
      awaitData: true,
      batchSize,
      term: Long.fromNumber(topology.term),
      readConcern: { level: 'local' },
    };
    const reply = await ports.send(source, 'local', find, topology.electionTimeoutMillis);
    if (!alive()) return;
    if (reply.ok !== 1) throw new Error(`find on ${source} failed: ${String(reply.errmsg)}`);
    topology.fetchMetadata(reply, source);
    const cursor = reply.cursor as Document;
    let entries = (cursor.firstBatch as Document[]).map(entryFromBson);
    const first = entries[0];
    if (!first) throw new Error(`sync source ${source} has no entry at or after our last optime; not ahead of us`);
    if (!opTimeEquals(first, last)) {
      if (topology.isCatchingUp) {
        // The member ahead of us is on another branch: nothing to catch up to there.
        topology.finishCatchUp(`sync source ${source} diverged from our oplog`);
        return;
      }
      // Roll back only to follow a primary: its oplog holds every majority-committed entry, so
      // nothing committed is undone. A diverged secondary is just not a usable sync source.
      if ((reply.$replData as Document | undefined)?.isPrimary !== true) {
        topology.denylistSyncSource(source, 'our last optime is not in its oplog and it is not primary');
        return;
      }
      await rollback(this.ctx, source, alive);
      return;
    }
    entries = entries.slice(1);
    await this.applyWhenDue(entries, entries.length < batchSize - 1, alive);
    let cursorId = asBigInt(cursor.id);
    while (alive() && topology.wantsToFetch && topology.syncSource === source) {
      if (cursorId === 0n || ports.replProducerStopped?.() === true) return;
      const electionTimeoutMillis = topology.electionTimeoutMillis;
      const maxTimeMS = Math.max(1, Math.floor(electionTimeoutMillis / 2));
      const sentMillis = ports.clock.now();
      const more = await ports.send(
        source,
        'local',
        { getMore: Long.fromBigInt(cursorId), collection: 'oplog.rs', batchSize, maxTimeMS, term: Long.fromNumber(topology.term), lastKnownCommittedOpTime: opTimeToBson(topology.commitPoint) },
        maxTimeMS + electionTimeoutMillis,
      );
      if (!alive()) return;
      if (more.ok !== 1) throw new Error(`getMore on ${source} failed: ${String(more.errmsg)}`);
      const data = topology.fetchMetadata(more, source);
      const moreCursor = more.cursor as Document;
      const batch = (moreCursor.nextBatch as Document[]).map(entryFromBson);
      this.ctx.replMetrics.getmores += 1;
      this.ctx.replMetrics.getmoresMillis += Math.max(0, ports.clock.now() - sentMillis);
      this.ctx.replMetrics.fetchedOps += batch.length;
      const fetchedBefore = topology.lastApplied;
      await this.applyWhenDue(batch, batch.length < batchSize, alive);
      if (!alive()) return;
      // Keep-alive: the sync source hears from us at least every half election timeout.
      this.positions.schedule();
      cursorId = asBigInt(moreCursor.id);
      if (topology.shouldChangeSyncSource(source, data, fetchedBefore)) return;
      if (topology.isCatchingUp) {
        const applied = topology.memberApplied(source);
        if (!applied || compareOpTime(applied, topology.lastApplied) <= 0) return;
      }
    }
  }
}
