import { Long, ObjectId } from 'bson';
import type { Document } from 'bson';
import type { CommandRequest } from './handler';
import { serverError } from '../base/errors';
import type { ServerNode } from './serverNode';
import { opTimeToBson, tsSecs } from '../base/optime';
import { memberPriority } from '../repl/config';

export const HANDSHAKE_COMMANDS: ReadonlySet<string> = new Set([
  'hello',
  'ismaster',
  'ping',
  'buildinfo',
  'getparameter',
  'getlog',
  'getcmdlineopts',
  'whatsmyuri',
  'connectionstatus',
  'features',
]);

export const MAX_BSON_OBJECT_SIZE_BYTES = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
export const MAX_WRITE_BATCH_SIZE = 100_000;
export const MIN_WIRE_VERSION = 0;
export const MAX_WIRE_VERSION = 21;
export const LOGICAL_SESSION_TIMEOUT_MINUTES = 30;
/** Longest awaitable hello wait accepted. */
export const MAX_AWAIT_TIME_MS_MAX = 60_000;

/** `ObjectId('7fffffff' + term as 16 hex digits)`: grows strictly with the term. */
export function electionIdForTerm(term: number): ObjectId {
  if (!Number.isInteger(term) || term < 0) throw new RangeError(`electionIdForTerm: bad term ${term}`);
  return ObjectId.createFromHexString(`7fffffff${term.toString(16).padStart(16, '0')}`);
}

function topologyVersionOf(member: ServerNode): Document {
  return { processId: member.repl.processId, counter: Long.fromNumber(member.repl.topologyVersionCounter) };
}

/** The hello / isMaster reply body, as a mongod in the member's current state sends it. */
export function helloReply(member: ServerNode, legacy: boolean, connectionId: number): Document {
  const repl = member.repl;
  const reply: Document = { topologyVersion: topologyVersionOf(member) };
  const primaryKey = legacy ? 'ismaster' : 'isWritablePrimary';
  const config = repl.config;
  const self = repl.selfConfig;
  if (repl.replSetName === undefined) {
    reply[primaryKey] = true;
  } else if (!config || !self || repl.state === 'REMOVED') {
    reply[primaryKey] = false;
    reply.secondary = false;
    reply.info = 'Does not have a valid replica set config';
    reply.isreplicaset = true;
  } else {
    const lists = repl.topologyLists();
    reply.hosts = lists.hosts;
    if (lists.passives.length > 0) reply.passives = lists.passives;
    if (lists.arbiters.length > 0) reply.arbiters = lists.arbiters;
    reply.setName = config._id;
    reply.setVersion = config.version;
    reply[primaryKey] = repl.isWritablePrimary;
    // A primary still catching up says secondary (replication_coordinator_impl.cpp: a writable
    // primary that cannot accept non-local writes yet is reported as a secondary).
    reply.secondary = repl.state === 'SECONDARY' || repl.isPrimaryNotYetWritable;
    const primary = repl.primaryHost;
    if (primary && (primary !== repl.self || repl.isWritablePrimary)) reply.primary = primary;
    // topology_coordinator.cpp fillHelloForReplSet: arbiterOnly, else passive for priority 0 —
    // getPriority(), 0 while newlyAdded — (hidden and delayed members included);
    // secondaryDelaySecs, hidden, buildIndexes as set.
    if (self.arbiterOnly) reply.arbiterOnly = true;
    else if (memberPriority(self) === 0) reply.passive = true;
    if (self.secondaryDelaySecs > 0) reply.secondaryDelaySecs = self.secondaryDelaySecs;
    if (self.hidden) reply.hidden = true;
    if (!self.buildIndexes) reply.buildIndexes = false;
    if (Object.keys(self.tags).length > 0) reply.tags = { ...self.tags };
    reply.me = repl.self;
    if (repl.isWritablePrimary) reply.electionId = electionIdForTerm(repl.term);
    const applied = repl.lastApplied;
    const committed = repl.commitPoint;
    reply.lastWrite = {
      opTime: opTimeToBson(applied),
      lastWriteDate: new Date(tsSecs(applied.ts) * 1000),
      majorityOpTime: opTimeToBson(committed),
      majorityWriteDate: new Date(tsSecs(committed.ts) * 1000),
    };
  }
  reply.maxBsonObjectSize = MAX_BSON_OBJECT_SIZE_BYTES;
  reply.maxMessageSizeBytes = MAX_MESSAGE_SIZE_BYTES;
  reply.maxWriteBatchSize = MAX_WRITE_BATCH_SIZE;
  reply.localTime = new Date(member.clock.now());
  reply.logicalSessionTimeoutMinutes = member.logicalSessionTimeoutMinutes;
  reply.connectionId = connectionId;
  reply.minWireVersion = MIN_WIRE_VERSION;
  reply.maxWireVersion = MAX_WIRE_VERSION;
  reply.readOnly = false;
  return reply;
}

async function runHello(member: ServerNode, name: string, request: CommandRequest): Promise<Document> {
  const body = request.body;
  const tv = body.topologyVersion as Document | undefined;
  if (tv !== undefined && body.maxAwaitTimeMS !== undefined) {
    const maxAwait = Number(body.maxAwaitTimeMS);
    if (!Number.isFinite(maxAwait) || maxAwait < 0) throw serverError('BadValue', 'maxAwaitTimeMS must be a non-negative integer');
    const processId = tv.processId;
    const counter = Number(tv.counter);
    const sameProcess = processId instanceof ObjectId && processId.equals(member.repl.processId);
    if (sameProcess && counter > member.repl.topologyVersionCounter) {
      throw serverError('BadValue', `Received a topology version with counter: ${counter} which is greater than the server topology version counter: ${member.repl.topologyVersionCounter}`);
    }
    if (sameProcess && counter === member.repl.topologyVersionCounter) {
      await member.repl.awaitTopologyChange(counter, Math.min(maxAwait, MAX_AWAIT_TIME_MS_MAX), request.signal);
    }
  }
  const reply = helloReply(member, name === 'ismaster', request.connection.id);
  if (body.helloOk === true) reply.helloOk = true;
  reply.ok = 1;
  return reply;
}

export async function runHandshakeCommand(member: ServerNode, name: string, request: CommandRequest): Promise<Document> {
  switch (name) {
    case 'hello':
    case 'ismaster':
      return runHello(member, name, request);
    case 'ping':
      return { ok: 1 };
    case 'buildinfo': {
      const parts = member.version.split('.').map((p) => Number(p));
      return {
        version: member.version,
        gitVersion: 'rslab-simulated',
        modules: [],
        allocator: 'system',
        javascriptEngine: 'none',
        sysInfo: 'deprecated',
        versionArray: [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, 0],
        bits: 64,
        debug: false,
        maxBsonObjectSize: MAX_BSON_OBJECT_SIZE_BYTES,
        storageEngines: ['wiredTiger'],
        ok: 1,
      };
    }
    case 'getparameter': {
      const body = request.body;
      if (body.featureCompatibilityVersion !== undefined) {
        const [major = '7', minor = '0'] = member.version.split('.');
        return { featureCompatibilityVersion: { version: `${major}.${minor}` }, ok: 1 };
      }
      if (body.getParameter === '*') return { ok: 1 };
      throw serverError('InvalidOptions', 'no option found to get');
    }
    case 'getlog': {
      const which = request.body.getLog;
      if (which === '*') return { names: ['global', 'startupWarnings'], ok: 1 };
      if (which === 'startupWarnings') return { totalLinesWritten: 0, log: [], ok: 1 };
      if (which === 'global') {
        const lines = member.recentLog().map((e) => JSON.stringify({ t: { $date: e.t.toISOString() }, s: e.s, c: e.c, id: e.id, ctx: e.ctx, msg: e.msg, ...(e.attr ? { attr: e.attr } : {}) }));
        return { totalLinesWritten: lines.length, log: lines, ok: 1 };
      }
      throw serverError('BadValue', `No log named '${String(which)}'`);
    }
    case 'getcmdlineopts':
      return { argv: ['mongod', '--port', String(member.port)], parsed: { net: { port: member.port } }, ok: 1 };
    case 'whatsmyuri':
      return { you: request.connection.remote, ok: 1 };
    case 'connectionstatus':
      return { authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 };
    case 'features':
      return { oidMachine: 0, ok: 1 };
    default:
      throw new Error(`runHandshakeCommand: ${name} is not a handshake command`);
  }
}
