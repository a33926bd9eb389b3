import { Double, Long, type Document } from 'bson';
import type { CommandRequest } from './handler';
import { helloReply } from './handshake';
import type { ServerNode } from './serverNode';
import { OperationCounts } from '../repl/replOpCounters';

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

/** What serverStatus reads of the mongod beyond ServerNode. */
export interface ServerStatusNode extends ServerNode {
  readonly startedAtMillis: number;
  readonly opCounters: OpCounters;
  /** The wire server's counts; undefined when the member is served by no wire server (the in-process harness). */
  connectionCounts(): ConnectionCounts | undefined;
}

/** hello's fields that are not replica-set topology: serverStatus().repl leaves them out. */
const HELLO_NON_REPL_FIELDS = ['maxBsonObjectSize', 'maxMessageSizeBytes', 'maxWriteBatchSize', 'localTime', 'logicalSessionTimeoutMinutes', 'connectionId', 'minWireVersion', 'maxWireVersion', 'readOnly'];

/**
 * serverStatus().repl (repl/replication_info.cpp ReplicationInfoServerStatus): absent unless the
 * node runs with --replSet; hello's replica-set fields, then `rbid`.
 */
function replSection(member: ServerNode): Document | undefined {
  if (member.repl.replSetName === undefined) return undefined;
  const hello = helloReply(member, false, 0);
  for (const field of HELLO_NON_REPL_FIELDS) delete hello[field];
  return { ...hello, rbid: member.repl.persisted.rbid };
}

/**
 * The sections this node can give true figures for, in mongod's order (commands/server_status.cpp:
 * sections are kept in a map by name, so they come in byte order of their names). Sections mongod
 * has and we cannot measure are left out (docs/FIDELITY.md, "serverStatus").
 */
const SECTIONS: readonly { name: string; generate: (member: ServerStatusNode) => Document | undefined }[] = [
  // Without a wire server there are no connections to count: the section is left out, not zeroed.
  { name: 'connections', generate: (member) => { const counts = member.connectionCounts(); return counts === undefined ? undefined : connectionsSection(counts); } },
  { name: 'electionMetrics', generate: (member) => (member.repl.replSetName === undefined ? undefined : member.repl.electionMetrics()) },
  { name: 'opcounters', generate: (member) => member.opCounters.toDocument() },
  { name: 'opcountersRepl', generate: (member) => (member.repl.replSetName === undefined ? undefined : countersDocument(member.repl.replOpCounters)) },
  { name: 'repl', generate: replSection },
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
    const doc = section.generate(member);
    if (doc !== undefined) reply[section.name] = doc;
  }
  reply.ok = 1;
  return reply;
}
