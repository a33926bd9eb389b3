import { Timestamp } from 'bson';
import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import type { ServerError } from '../../base/errors';
import { compareOpTime, tsFromBson, tsInc, tsSecs } from '../../base/optime';
import type { OpTime } from '../../base/optime';
import { sleepOn } from '../../clock/clock';
import { bsonTypeName, isNumeric, isPlainObject } from '../../storage/values';
import type { CrudContext } from './context';

/**
 * Read concern as mongod takes it on a replica-set member (src/mongo/db/repl/read_concern_args.cpp,
 * src/mongo/db/read_concern_mongod.cpp; the Read and Write Concern and Causal Consistency
 * specifications): the level, `afterClusterTime` (wait until this member has applied, or for
 * majority committed, that time), `afterOpTime` (the same for an optime, as members ask it), and
 * `atClusterTime` (snapshot reads only).
 */

export type ReadConcernLevel = 'local' | 'available' | 'majority' | 'linearizable' | 'snapshot';
const LEVELS: ReadonlySet<string> = new Set(['local', 'available', 'majority', 'linearizable', 'snapshot']);

export interface ReadConcern {
  readonly level: ReadConcernLevel;
  /** Packed timestamps. */
  readonly afterClusterTs?: number;
  readonly atClusterTs?: number;
  /** `afterOpTime` (what members send each other; drivers use afterClusterTime). */
  readonly afterOpTime?: OpTime;
}

/** How often a read waiting for afterClusterTime looks again, in the member's clock. */
export const READ_CONCERN_POLL_MILLIS = 5;

/** bson_extract.cpp bsonExtractTypedField's refusal. */
function wrongType(name: string, expected: string, value: unknown): ServerError {
  return serverError('TypeMismatch', `"${name}" had the wrong type. Expected ${expected}, found ${bsonTypeName(value)}`);
}

function timestampField(value: unknown, name: string): number {
  if (!(value instanceof Timestamp)) throw wrongType(name, 'timestamp', value);
  return tsFromBson(value);
}

/** bson_extract_optime.cpp bsonExtractOpTimeField: an object with a timestamp `ts` and an integer `t`. */
function opTimeField(value: unknown, name: string): OpTime {
  if (!isPlainObject(value)) throw wrongType(name, 'object', value);
  if (value.ts === undefined) throw serverError('NoSuchKey', 'Missing expected field "ts"');
  const ts = timestampField(value.ts, 'ts');
  if (value.t === undefined) throw serverError('NoSuchKey', 'Missing expected field "t"');
  if (!isNumeric(value.t)) throw serverError('TypeMismatch', `Expected field "t" to have numeric type, but found ${bsonTypeName(value.t)}`);
  return { ts, t: Number(value.t) };
}

/**
 * The command's readConcern, checked as read_concern_args.cpp ReadConcernArgs::parse checks it
 * (its errors, in its order); undefined when it has none.
 */
export function parseReadConcern(body: Document): ReadConcern | undefined {
  const rc: unknown = body.readConcern;
  if (rc === undefined) return undefined;
  if (!isPlainObject(rc)) throw serverError('FailedToParse', 'readConcern field should be an object');
  let level: ReadConcernLevel | undefined;
  let afterClusterTs: number | undefined;
  let atClusterTs: number | undefined;
  let afterOpTime: OpTime | undefined;
  for (const [field, value] of Object.entries(rc)) {
    if (field === 'afterOpTime') afterOpTime = opTimeField(value, field);
    else if (field === 'afterClusterTime') afterClusterTs = timestampField(value, field);
    else if (field === 'atClusterTime') atClusterTs = timestampField(value, field);
    else if (field === 'level') {
      if (typeof value !== 'string') throw wrongType(field, 'string', value);
      if (!LEVELS.has(value)) throw serverError('FailedToParse', "readConcern.level must be either 'local', 'majority', 'linearizable', 'available', or 'snapshot'");
      level = value as ReadConcernLevel;
    } else if (field === 'allowTransactionTableSnapshot') {
      if (typeof value !== 'boolean') throw wrongType(field, 'bool', value);
    } else if (field === 'provenance') {
      // Where a default came from (mongos, the defaults): accepted, not used here.
      if (typeof value !== 'string') throw wrongType(field, 'string', value);
    } else {
      throw serverError('InvalidOptions', `Unrecognized option in readConcern: ${field}`);
    }
  }
  const effective = level ?? 'local';
  if (afterClusterTs !== undefined && afterOpTime !== undefined) throw serverError('InvalidOptions', 'Can not specify both afterClusterTime and afterOpTime');
  if (afterClusterTs !== undefined && atClusterTs !== undefined) {
    throw serverError(
      'InvalidOptions',
      'Specifying a timestamp for readConcern snapshot in a causally consistent session is not allowed. See https://docs.mongodb.com/manual/core/read-isolation-consistency-recency/#causal-consistency',
    );
  }
  // 'available' must not wait for replication, 'linearizable' is causally consistent already.
  if (afterClusterTs !== undefined && effective !== 'majority' && effective !== 'local' && effective !== 'snapshot') {
    throw serverError('InvalidOptions', 'afterClusterTime field can be set only if level is equal to majority, local, or snapshot');
  }
  if (afterOpTime !== undefined && effective === 'snapshot') throw serverError('InvalidOptions', 'afterOpTime field cannot be set if level is equal to snapshot');
  if (atClusterTs !== undefined && effective !== 'snapshot') throw serverError('InvalidOptions', 'atClusterTime field can be set only if level is equal to snapshot');
  if (atClusterTs === 0) throw serverError('InvalidOptions', 'atClusterTime cannot be a null timestamp');
  if (afterClusterTs === 0) throw serverError('InvalidOptions', 'afterClusterTime cannot be a null timestamp');
  return {
    level: effective,
    ...(afterClusterTs === undefined ? {} : { afterClusterTs }),
    ...(atClusterTs === undefined ? {} : { atClusterTs }),
    ...(afterOpTime === undefined ? {} : { afterOpTime }),
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
  const majority = rc.level === 'majority' || rc.level === 'snapshot';
  // A majority read waits for a committed snapshot (read_concern_mongod.cpp: while
  // ReadConcernMajorityNotAvailableYet, waitUntilSnapshotCommitted): a member fresh from initial
  // sync, or just restarted, may know a commit point older than the data it can go back to.
  // So does a snapshot read without atClusterTime, which reads the committed snapshot.
  const atCommitted = rc.level === 'majority' || (rc.level === 'snapshot' && rc.atClusterTs === undefined);
  const snapshot = (): boolean => !atCommitted || context.committedSnapshotAvailable?.() !== false;
  let reached: () => boolean;
  if (rc.afterOpTime !== undefined) {
    // replication_coordinator_impl.cpp _waitUntilOpTime: until our last applied optime (majority:
    // the committed snapshot) is at or past it, term and timestamp; only a replica-set member can.
    if (!context.replicaSetMember) throw serverError('NotAReplicaSet', 'node needs to be a replica set member to use read concern');
    const target = rc.afterOpTime;
    reached = () => compareOpTime(majority ? context.commitPoint : context.lastApplied, target) >= 0 && snapshot();
  } else {
    const target = rc.afterClusterTs ?? rc.atClusterTs;
    if (target === undefined && snapshot()) return;
    if (target !== undefined && target > clusterTs) {
      const name = rc.afterClusterTs !== undefined ? 'afterClusterTime' : 'atClusterTime';
      throw serverError('InvalidOptions', `readConcern ${name} value must not be greater than the current clusterTime. Requested clusterTime: ${formatTs(target)}; current clusterTime: ${formatTs(clusterTs)}`);
    }
    reached = () => (target === undefined || (majority ? context.commitPoint.ts : context.lastApplied.ts) >= target) && snapshot();
  }
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
