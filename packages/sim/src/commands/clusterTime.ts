import { Binary, Long, Timestamp } from 'bson';
import type { Document } from 'bson';
import { tsFromBson, tsToBson } from '../base/optime';
import { isPlainObject } from '../storage/values';

/**
 * The cluster time a replica-set member gossips (src/mongo/db/vector_clock.cpp and
 * logical_time_validator.cpp; the Driver Sessions specification's "Gossipping the cluster time";
 * the Causal Consistency specification). Every reply of an initiated member carries `$clusterTime`
 * and `operationTime`. Without authentication the server holds no signing keys and sends the
 * signature as such a server does: a hash of twenty zero bytes with keyId 0, and it accepts the
 * cluster time clients send back without checking it.
 *
 * The member's cluster time is the larger of its last applied optime and the highest cluster time
 * gossiped to it. (mongod also moves its oplog's timestamps past a gossiped time; here the
 * replication layer stamps the oplog, so a gossiped time ahead of every member only raises what
 * is reported.)
 */

const ZERO_HASH = new Binary(new Uint8Array(20), Binary.SUBTYPE_DEFAULT);
/** The signature of an unauthenticated server's $clusterTime (shared: replies never modify it). */
export const UNSIGNED_SIGNATURE: Readonly<Document> = Object.freeze({ hash: ZERO_HASH, keyId: Long.ZERO });

export class LogicalClock {
  /** The highest cluster time a client gossiped (packed ts). */
  private gossipedTs = 0;

  /** Take in a command's `$clusterTime`, if it has one. */
  observe(clusterTime: unknown): void {
    if (!isPlainObject(clusterTime)) return;
    const value: unknown = clusterTime.clusterTime;
    if (!(value instanceof Timestamp)) return;
    const ts = tsFromBson(value);
    if (ts > this.gossipedTs) this.gossipedTs = ts;
  }

  /** The cluster time as of a last applied timestamp (packed). */
  clusterTs(lastAppliedTs: number): number {
    return lastAppliedTs > this.gossipedTs ? lastAppliedTs : this.gossipedTs;
  }
}

/**
 * Add `$clusterTime` and `operationTime` to a reply (in place: replies are made per command).
 * A reply that already has an operationTime (a write's, a majority or snapshot read's) keeps it.
 */
export function stampClusterTime(reply: Document, clusterTs: number, defaultOperationTs: number): Document {
  if (reply.operationTime === undefined) reply.operationTime = tsToBson(defaultOperationTs);
  reply.$clusterTime = { clusterTime: tsToBson(clusterTs), signature: UNSIGNED_SIGNATURE };
  return reply;
}
