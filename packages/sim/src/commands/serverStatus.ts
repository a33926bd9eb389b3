import { Double, Long, type Document } from 'bson';
import type { CommandRequest } from './handler';
import { helloReply } from './handshake';
import type { ServerNode } from './serverNode';
import { OperationCounts } from '../repl/replOpCounters';
import { tsToBson } from '../base/optime';
import type { OperationStats } from './operationStats';
import type { CursorCounts, TransactionStats } from './crud/context';
import { memSection } from './machine';
import type { MachineFacts } from './machine';

/**
 * serverStatus's opcounters (db/stats/counters.h OpCounters): counted where commands are dispatched,
 * as service_entry_point_common.cpp and the write path count them — `insert` per document, `update`
 * and `delete` per statement, `query` per find, `getmore` per getMore, `command` for every other
 * command. Since this process started, in memory.
 */
export class OpCounters extends OperationCounts {
  /** Count one command as it is dispatched; `name` is lowercased. */
  count(name: string, body: Document): void {
    switch (name) {
      case 'insert':
        this.insert += Array.isArray(body.documents) ? body.documents.length : 0;
        return;
      case 'update':
        this.update += Array.isArray(body.updates) ? body.updates.length : 0;
        return;
      case 'delete':
        this.delete += Array.isArray(body.deletes) ? body.deletes.length : 0;
        return;
      case 'find':
        this.query += 1;
        return;
      case 'getmore':
        this.getmore += 1;
        return;
      default:
        this.command += 1;
    }
  }

  toDocument(): Document {
    return countersDocument(this);
  }
}

/** The six counters as serverStatus sends them (OpCounters::getObj: longs, in this order); opcounters and opcountersRepl alike. */
function countersDocument(c: OperationCounts): Document {
  return {
    insert: Long.fromNumber(c.insert),
    query: Long.fromNumber(c.query),
    update: Long.fromNumber(c.update),
    delete: Long.fromNumber(c.delete),
    getmore: Long.fromNumber(c.getmore),
    command: Long.fromNumber(c.command),
  };
}

/** What the wire server counts for serverStatus().connections (wire/server.ts WireConnectionStats). */
export interface ConnectionCounts {
  readonly current: number;
  readonly connectionsMax: number;
  readonly totalCreated: number;
  readonly rejected: number;
  readonly active: number;
  readonly exhaustIsMaster: number;
  readonly exhaustHello: number;
  readonly awaitingTopologyChanges: number;
  /** Bytes received and sent on client connections, and messages received (serverStatus().network). */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly numRequests: number;
}

/**
 * serverStatus().connections (transport/service_entry_point_impl.cpp appendStats; manual,
 * serverStatus "connections"): ints for the counts, longs for the hello ones, in mongod's order.
 * `threaded` and `loadBalanced` are left out: the simulator has no threads per connection and no
 * load-balanced mode to count.
 */
function connectionsSection(counts: ConnectionCounts): Document {
  return {
    current: counts.current,
    available: Math.max(0, counts.connectionsMax - counts.current),
    totalCreated: counts.totalCreated,
    rejected: counts.rejected,
    active: counts.active,
    exhaustIsMaster: Long.fromNumber(counts.exhaustIsMaster),
    exhaustHello: Long.fromNumber(counts.exhaustHello),
    awaitingTopologyChanges: Long.fromNumber(counts.awaitingTopologyChanges),
  };
}

/**
 * serverStatus().network (transport/transport_layer's NetworkCounter): the wire server's byte and
 * request counts. No compression is ever negotiated, so the physical bytes are the logical ones;
 * the simulator resolves no names and speaks no TLS, so the slow DNS and SSL counts are 0.
 */
function networkSection(counts: ConnectionCounts): Document {
  return {
    bytesIn: Long.fromNumber(counts.bytesIn),
    bytesOut: Long.fromNumber(counts.bytesOut),
    physicalBytesIn: Long.fromNumber(counts.bytesIn),
    physicalBytesOut: Long.fromNumber(counts.bytesOut),
    numSlowDNSOperations: Long.ZERO,
    numSlowSSLOperations: Long.ZERO,
    numRequests: Long.fromNumber(counts.numRequests),
  };
}

/**
 * serverStatus().transactions (transactions_stats / ServerTransactionsMetrics): multi-document
 * transactions open now — active while one of their commands runs, inactive between them — and
 * the totals since the member started, and the retryable writes retried (write_ops_exec.cpp). The
 * simulator never prepares a transaction (no sharding), so the prepared counts are true zeros.
 */
function transactionsSection(stats: TransactionStats, active: number): Document {
  const activeNow = Math.min(active, stats.open);
  return {
    retriedCommandsCount: Long.fromNumber(stats.retriedCommands),
    retriedStatementsCount: Long.fromNumber(stats.retriedStatements),
    currentActive: Long.fromNumber(activeNow),
    currentInactive: Long.fromNumber(stats.open - activeNow),
    currentOpen: Long.fromNumber(stats.open),
    totalAborted: Long.fromNumber(stats.aborted),
    totalCommitted: Long.fromNumber(stats.committed),
    totalStarted: Long.fromNumber(stats.started),
    totalPrepared: Long.ZERO,
    totalPreparedThenCommitted: Long.ZERO,
    totalPreparedThenAborted: Long.ZERO,
    currentPrepared: Long.ZERO,
  };
}

/**
 * serverStatus().metrics: the parts counted here — commands by name with their failures, the
 * cursors open (client ones, change streams and other members' oplog cursors), opened and timed out, documents
 * inserted/updated/deleted/returned by commands, operation.writeConflicts, and on a replica-set
 * member repl.apply / repl.network (batches applied, getMores to the sync source).
 */
function metricsSection(member: ServerStatusNode): Document {
  const stats = member.operationStats;
  const cursors = member.cursorCounts();
  return {
    commands: stats.commandsDocument(),
    // The metric tree is kept by name (server_status_metric.cpp MetricTree): open, timedOut, totalOpened.
    cursor: {
      open: { noTimeout: Long.fromNumber(cursors.noTimeout), total: Long.fromNumber(cursors.open) },
      timedOut: Long.fromNumber(cursors.timedOut),
      totalOpened: Long.fromNumber(cursors.totalOpened),
    },
    document: stats.documentDocument(),
    operation: { writeConflicts: Long.fromNumber(stats.writeConflicts) },
    ...(member.repl.replSetName === undefined ? {} : { repl: member.repl.replMetrics.toDocument() }),
  };
}

/**
 * serverStatus().storageEngine (storage_engine_impl / StorageEngine::appendStorageEngineStats
 * fields as 7.0 reports them for WiredTiger, the engine this simulator stands for):
 * `persistent` is whether the member keeps its data in a --dbpath journal.
 * oldestRequiredTimestampForCrashRecovery is the stable point, here the majority commit point.
 */
function storageEngineSection(member: ServerStatusNode): Document {
  return {
    name: 'wiredTiger',
    supportsCommittedReads: true,
    oldestRequiredTimestampForCrashRecovery: tsToBson(member.repl.commitPoint.ts),
    supportsPendingDrops: true,
    dropPendingIdents: Long.ZERO,
    supportsSnapshotReadConcern: true,
    readOnly: false,
    persistent: member.persistent,
    backupCursorOpen: false,
  };
}

/**
 * opLatencies (top.cpp appendGlobalLatencyStats): microseconds and counts of reads, writes,
 * commands and transactions; `{opLatencies: {histograms: true}}` adds each one's histogram.
 */
function opLatenciesSection(member: ServerStatusNode, _level: number, spec: unknown): Document {
  const histograms = typeof spec === 'object' && spec !== null && (spec as Document).histograms === true;
  return member.operationStats.latencies.toDocument(histograms);
}

/** What serverStatus reads of the mongod beyond ServerNode. */
export interface ServerStatusNode extends ServerNode {
  readonly startedAtMillis: number;
  readonly opCounters: OpCounters;
  readonly operationStats: OperationStats;
  /** The machine and process facts (sim-mongod's own); undefined for a member run in-process. */
  readonly machine: MachineFacts | undefined;
  /** The member keeps its data in a journal (--dbpath). */
  readonly persistent: boolean;
  transactionStats(): TransactionStats;
  /** Every cursor of the member: clients', change streams', and the oplog cursors members tail. */
  cursorCounts(): CursorCounts;
  /** Commands of multi-document transactions running now (serverStatus().transactions.currentActive). */
  transactionCommandsRunning(): number;
  /** The wire server's counts; undefined when the member is served by no wire server (the in-process harness). */
  connectionCounts(): ConnectionCounts | undefined;
}

/** hello's fields that are not replica-set topology: serverStatus().repl leaves them out. */
const HELLO_NON_REPL_FIELDS = ['maxBsonObjectSize', 'maxMessageSizeBytes', 'maxWriteBatchSize', 'localTime', 'logicalSessionTimeoutMinutes', 'connectionId', 'minWireVersion', 'maxWireVersion', 'readOnly'];

/**
 * serverStatus().repl (repl/replication_info.cpp ReplicationInfoServerStatus): absent unless the
 * node runs with --replSet; hello's replica-set fields, then `rbid`.
 */
function replSection(member: ServerNode, level: number): Document | undefined {
  if (member.repl.replSetName === undefined) return undefined;
  const hello = helloReply(member, false, 0);
  for (const field of HELLO_NON_REPL_FIELDS) delete hello[field];
  // replication_info.cpp appendReplicationInfo: at level 1 and up, each member's progress too.
  return { ...hello, rbid: member.repl.persisted.rbid, ...(level >= 1 ? { replicationProgress: member.repl.replicationProgress() } : {}) };
}

/**
 * The sections this node can give true figures for, in mongod's order (commands/server_status.cpp:
 * sections are kept in a map by name, so they come in byte order of their names). Sections mongod
 * has and we cannot measure are left out (docs/FIDELITY.md, "serverStatus").
 */
const SECTIONS: readonly { name: string; generate: (member: ServerStatusNode, level: number, spec: unknown) => Document | undefined }[] = [
  { name: 'asserts', generate: (member) => member.operationStats.assertsDocument() },
  // Without a wire server there are no connections to count: the section is left out, not zeroed.
  { name: 'connections', generate: (member) => { const counts = member.connectionCounts(); return counts === undefined ? undefined : connectionsSection(counts); } },
  { name: 'electionMetrics', generate: (member) => (member.repl.replSetName === undefined ? undefined : member.repl.electionMetrics()) },
  { name: 'locks', generate: (member) => member.operationStats.locksDocument() },
  { name: 'mem', generate: (member) => memSection(member.machine) },
  { name: 'metrics', generate: metricsSection },
  { name: 'network', generate: (member) => { const counts = member.connectionCounts(); return counts === undefined ? undefined : networkSection(counts); } },
  { name: 'opLatencies', generate: opLatenciesSection },
  { name: 'opcounters', generate: (member) => member.opCounters.toDocument() },
  { name: 'opcountersRepl', generate: (member) => (member.repl.replSetName === undefined ? undefined : countersDocument(member.repl.replOpCounters)) },
  { name: 'repl', generate: replSection },
  { name: 'storageEngine', generate: storageEngineSection },
  { name: 'transactions', generate: (member) => transactionsSection(member.transactionStats(), member.transactionCommandsRunning()) },
];

/** A field of the command turns a section off when present and false (server_status.cpp: `el.type() && !el.trueValue()`). */
function falsy(value: unknown): boolean {
  return value === false || value === 0 || value === null || (value instanceof Long && value.isZero());
}

/** The serverStatus command, as mongod 7.0 answers it on a replica-set member. */
export function runServerStatus(member: ServerStatusNode, request: CommandRequest): Document {
  const now = member.clock.now();
  const uptimeMillis = Math.max(0, now - member.startedAtMillis);
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid;
  const reply: Document = {
    host: member.name,
    version: member.version,
    process: 'mongod',
    ...(pid === undefined ? {} : { pid: Long.fromNumber(pid) }),
    // server_status.cpp: `uptime` is a double of whole seconds, the other two are longs.
    uptime: new Double(Math.floor(uptimeMillis / 1000)),
    uptimeMillis: Long.fromNumber(uptimeMillis),
    uptimeEstimate: Long.fromNumber(Math.floor(uptimeMillis / 1000)),
    localTime: new Date(now),
  };
  for (const section of SECTIONS) {
    const field = request.body[section.name];
    if (field !== undefined && falsy(field)) continue;
    const level = field === undefined || field === true ? 0 : Number(field instanceof Long ? field.toNumber() : field);
    const doc = section.generate(member, Number.isFinite(level) ? level : 0, field);
    if (doc !== undefined) reply[section.name] = doc;
  }
  reply.ok = 1;
  return reply;
}
