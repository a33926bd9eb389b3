import { Timestamp } from 'bson';
import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import { tsFromBson, tsInc, tsSecs } from '../../base/optime';
import { sleepOn } from '../../clock/clock';
import { isPlainObject } from '../../storage/values';
import type { CrudContext } from './context';

/**
 * Read concern as mongod takes it on a replica-set member (src/mongo/db/repl/read_concern_args.cpp,
 * src/mongo/db/read_concern_mongod.cpp; the Read and Write Concern and Causal Consistency
 * specifications): the level, `afterClusterTime` (wait until this member has applied, or for
 * majority committed, that time), and `atClusterTime` (snapshot reads only).
 */

export type ReadConcernLevel = 'local' | 'available' | 'majority' | 'linearizable' | 'snapshot';
const LEVELS: ReadonlySet<string> = new Set(['local', 'available', 'majority', 'linearizable', 'snapshot']);

export interface ReadConcern {
  readonly level: ReadConcernLevel;
  /** Packed timestamps. */
  readonly afterClusterTs?: number;
  readonly atClusterTs?: number;
}

/** How often a read waiting for afterClusterTime looks again, in the member's clock. */
export const READ_CONCERN_POLL_MILLIS = 5;

function timestampField(rc: Document, name: string): number | undefined {
  const value: unknown = rc[name];
  if (value === undefined) return undefined;
  if (!(value instanceof Timestamp)) throw serverError('TypeMismatch', `${name} must be of type timestamp`);
  const ts = tsFromBson(value);
  if (ts === 0) throw serverError('InvalidOptions', `readConcern ${name} cannot be a null timestamp`);
  return ts;
}

/** The command's readConcern, checked; undefined when it has none (or an empty one). */
export function parseReadConcern(body: Document): ReadConcern | undefined {
  const rc: unknown = body.readConcern;
  if (rc === undefined) return undefined;
  if (!isPlainObject(rc)) throw serverError('FailedToParse', 'readConcern must be an object');
  const levelValue: unknown = rc.level;
  if (levelValue !== undefined && (typeof levelValue !== 'string' || !LEVELS.has(levelValue))) {
    throw serverError('FailedToParse', "readConcern.level must be either 'local', 'majority', 'linearizable', 'available', or 'snapshot'");
  }
  const level = (levelValue ?? 'local') as ReadConcernLevel;
  const afterClusterTs = timestampField(rc, 'afterClusterTime');
  const atClusterTs = timestampField(rc, 'atClusterTime');
  if (afterClusterTs !== undefined && atClusterTs !== undefined) throw serverError('InvalidOptions', 'Can not specify both afterClusterTime and atClusterTime');
  if (atClusterTs !== undefined && level !== 'snapshot') throw serverError('InvalidOptions', 'readConcern atClusterTime is only valid for snapshot read concern');
  if (afterClusterTs !== undefined && level === 'linearizable') throw serverError('InvalidOptions', 'afterClusterTime is not allowed for linearizable read concern');
  if (afterClusterTs !== undefined && level === 'available') throw serverError('InvalidOptions', 'afterClusterTime is not allowed for available read concern');
  return {
    level,
    ...(afterClusterTs === undefined ? {} : { afterClusterTs }),
    ...(atClusterTs === undefined ? {} : { atClusterTs }),
  };
}

/** The commands that read at a snapshot outside a transaction (mongod 5.0+). */
export const SNAPSHOT_READ_COMMANDS: ReadonlySet<string> = new Set(['find', 'aggregate', 'distinct']);

/**
 * Wait until this member can serve a read after (or at) a cluster time: its last applied optime
 * (majority: its commit point) has reached it. A time past the member's cluster time can never be
 * reached and is refused, as mongod refuses it. `maxTimeMS` bounds the wait.
 */
export async function waitForReadConcern(rc: ReadConcern, context: CrudContext, clusterTs: number, maxTimeMillis: number | undefined, signal: AbortSignal): Promise<void> {
  const target = rc.afterClusterTs ?? rc.atClusterTs;
  if (target === undefined) return;
  if (target > clusterTs) {
    const name = rc.afterClusterTs !== undefined ? 'afterClusterTime' : 'atClusterTime';
    throw serverError('InvalidOptions', `readConcern ${name} value must not be greater than the current clusterTime. Requested clusterTime: ${formatTs(target)}; current clusterTime: ${formatTs(clusterTs)}`);
  }
  const reached = (): boolean => (rc.level === 'majority' || rc.level === 'snapshot' ? context.commitPoint.ts : context.lastApplied.ts) >= target;
  const startedMillis = context.clock.now();
  while (!reached()) {
    if (signal.aborted) throw serverError('Interrupted', 'operation was interrupted');
    if (maxTimeMillis !== undefined && maxTimeMillis > 0 && context.clock.now() - startedMillis >= maxTimeMillis) {
      throw serverError('MaxTimeMSExpired', 'operation exceeded time limit');
    }
    await sleepOn(context.clock, READ_CONCERN_POLL_MILLIS, signal);
  }
}

function formatTs(ts: number): string {
  return `Timestamp(${tsSecs(ts)}, ${tsInc(ts)})`;
}
