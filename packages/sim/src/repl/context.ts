import type { Document } from 'bson';
import type { Clock } from '../clock/clock';
import type { LogLine } from '../log/ids';
import type { Random } from '../random/random';
import type { ReplStorage } from '../storage/storage';
import type { ReplEventBody } from './events';
import type { LogSeverity, ReplParameters } from './parameters';
import type { ReplPersistence } from './persisted';
import type { ReplMetrics, ReplOpCounters } from './replOpCounters';
import type { Timers } from './timers';
import type { Topology } from './topology/topology';

/** What replication is given to reach the outside: time, randomness, storage, peers, events, logs, durability. */
export interface ReplPorts {
  clock: Clock;
  random: Random;
  storage: ReplStorage;
  /** Send a command to a peer; resolves with its reply (ok may be 0), rejects on network errors. */
  send(to: string, db: string, cmd: Document, timeoutMillis: number): Promise<Document>;
  emit(event: ReplEventBody): void;
  log(severity: LogSeverity, component: string, line: LogLine, attr?: Document): void;
  /** The process aborts (a failed invariant, already logged): stop the member at once, as kill -9. */
  abort(reason: string): void;
  /** The stopReplProducer fail point is on: the oplog fetcher fetches nothing (bgsync.cpp). */
  replProducerStopped?: () => boolean;
  /** A cluster-wide default write concern is set (setDefaultRWConcern; ReadWriteConcernDefaults::isCWWCSet). Absent: none is. */
  customDefaultWriteConcernSet?: () => boolean;
  persistence?: ReplPersistence;
}

/** What the I/O parts of replication share (heartbeats, vote requests, fetcher, rollback, ...). */
export interface ReplContext {
  readonly topology: Topology;
  readonly timers: Timers;
  readonly ports: ReplPorts;
  readonly params: ReplParameters;
  /** What this member applied of its sync source's oplog (serverStatus().opcountersRepl). */
  readonly replOpCounters: ReplOpCounters;
  /** Batches applied and getMores fetched (serverStatus().metrics.repl). */
  readonly replMetrics: ReplMetrics;
  /** The member was killed or shut down: answers that arrive now are dropped. */
  stopped(): boolean;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
