import { ObjectId } from 'bson';
import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import { NULL_OPTIME, opTimeFromBson, opTimeToBson, tsFromBson, tsToBson } from '../../base/optime';
import { LogIds } from '../../log/ids';
import { compareConfigVersion, configToDocument, normalizeHost, parseConfig } from '../config';
import { MemberState, stateName } from '../state';
import { processReplData, updateCommitPoint } from './commitPoint';
import { installConfig } from './configChange';
import type { TopologyState } from './core';
import {
  bumpTopology,
  canStandForElection,
  emit,
  lastApplied,
  lastAppliedWallMillis,
  lastDurable,
  log,
  now,
  primaryHost,
  requireReplSet,
  resetElectionTimer,
  scheduleHeartbeat,
  selfConfig,
  settingsOrDefault,
  term,
  wantsToFetch,
} from './core';
import { maybeCancelCatchUpTakeover, maybeScheduleTakeover } from './election';
import { catchUpHeard, checkCatchUp } from './primary';
import { replData } from './status';
import { updateTerm } from './stepDown';

/**
 * Heartbeats, decided: what to send a member and with which timeout (a round's retries share
 * heartbeatTimeoutSecs), what a reply or a failure changes (health, state, term, a newer config,
 * the commit point, election timer, priority takeover, catch-up), and how to answer a member's
 * heartbeat (mongod's TopologyCoordinator prepareHeartbeatRequestV1, processHeartbeatResponse,
 * prepareHeartbeatResponseV1). The timers and requests are heartbeats.ts.
 */

export interface HeartbeatRequest {
  command: Document;
  timeoutMillis: number;
  sentAtMillis: number;
}

/** The heartbeat to send `host` now, or undefined without a config. */
export function prepareHeartbeat(s: TopologyState, host: string): HeartbeatRequest | undefined {
  const config = s.persisted.config;
  const m = s.members.get(host);
  if (!config || !m) return undefined;
  const at = now(s);
  if (m.hbFailures === 0) m.hbRoundStartMillis = at;
  const timeoutMillis = Math.max(1, config.settings.heartbeatTimeoutSecs * 1000 - (at - m.hbRoundStartMillis));
  emit(s, { type: 'heartbeatSent', to: host });
  const command: Document = {
    replSetHeartbeat: config._id,
    configVersion: config.version,
    configTerm: config.term,
    hbv: 1,
    from: s.selfName,
    fromId: selfConfig(s)?._id ?? -1,
    term: term(s),
  };
  return { command, timeoutMillis, sentAtMillis: at };
}

/** `host` answered a heartbeat sent at `sentAtMillis` (ok: 1). */
export function heartbeatReply(s: TopologyState, host: string, reply: Document, sentAtMillis: number): void {
  const m = s.members.get(host);
  if (!m) return;
  const primaryBefore = primaryHost(s);
  const at = now(s);
  const wasHealthy = m.health === 1;
  const priorState = m.state;
  m.hbFailures = 0;
  m.pingMs = at - sentAtMillis;
  m.pingCount++;
  m.lastHeartbeatMillis = at;
  m.lastContactMillis = at;
  m.lastHeartbeatMessage = '';
  if (!wasHealthy) m.upSinceMillis = at;
  m.health = 1;
  m.state = typeof reply.state === 'number' ? reply.state : MemberState.UNKNOWN;
  m.term = Number(reply.term ?? -1);
  // Take what the member reports, even if lower than before: it may have rolled back.
  if (reply.opTime) m.applied = opTimeFromBson(reply.opTime);
  if (reply.durableOpTime) m.durable = opTimeFromBson(reply.durableOpTime);
  if (reply.wallTime instanceof Date) m.appliedWallMillis = reply.wallTime.getTime();
  m.configVersion = Number(reply.configVersion ?? -1);
  m.configTerm = Number(reply.configTerm ?? -1);
  m.syncSource = typeof reply.syncingTo === 'string' ? reply.syncingTo : '';
  m.electionTimeTs = reply.electionTime ? tsFromBson(reply.electionTime) : undefined;
  emit(s, { type: 'heartbeatReply', from: host, state: stateName(m.state), pingMs: m.pingMs });
  if (!wasHealthy || priorState !== m.state) {
    emit(s, { type: 'memberHealth', member: host, health: 1, state: stateName(m.state) });
    if (!wasHealthy) log(s, 'I', 'REPL', LogIds.memberInNewState, { hostAndPort: host, newState: stateName(m.state) });
  }
  updateTerm(s, m.term, `heartbeat reply from ${host}`);
  // A newer config travels in heartbeat replies.
  const config = s.persisted.config;
  if (reply.config && config) {
    const theirs = reply.config as Document;
    const version = Number(theirs.version);
    const theirTerm = Number(theirs.term ?? -1);
    if (compareConfigVersion(version, theirTerm, config.version, config.term) > 0 && theirs._id === config._id) {
      try {
        installConfig(s, parseConfig(theirs, config.settings.replicaSetId), `heartbeat from ${host}`);
      } catch (e) {
        log(s, 'W', 'REPL', LogIds.invalidConfigFromHeartbeat, { error: String(e) });
      }
    }
  }
  if (reply.$replData) processReplData(s, reply.$replData as Document, host);
  scheduleNewlyAddedRemoval(s, host);
  if (reply.opTime) maybeCancelCatchUpTakeover(s, m.applied);
  if (m.state === MemberState.PRIMARY && m.term === term(s) && s.stateCode !== MemberState.PRIMARY) {
    resetElectionTimer(s);
    maybeScheduleTakeover(s, m);
  }
  if (s.stateCode === MemberState.PRIMARY) {
    updateCommitPoint(s);
    if (s.catchUp) catchUpHeard(s, host);
  }
  if (wantsToFetch(s)) s.out.push({ kind: 'startFetcher' });
  if (s.members.get(host) === m) scheduleHeartbeat(s, host, settingsOrDefault(s).heartbeatIntervalMillis);
  // hello's `primary` changed: wake awaitable hellos so clients learn at once.
  if (!s.stopped && primaryHost(s) !== primaryBefore) bumpTopology(s);
}

/**
 * replication_coordinator_impl_heartbeat.cpp _handleHeartbeatResponse: a primary that hears a
 * newlyAdded member report SECONDARY, RECOVERING or ROLLBACK (past initial sync) schedules the
 * automatic reconfig that removes the mark, against the config it has now (log 4634501).
 */
function scheduleNewlyAddedRemoval(s: TopologyState, host: string): void {
  const m = s.members.get(host);
  const config = s.persisted.config;
  if (s.stateCode !== MemberState.PRIMARY || !m || !config || !m.config.newlyAdded) return;
  if (m.state !== MemberState.SECONDARY && m.state !== MemberState.RECOVERING && m.state !== MemberState.ROLLBACK) return;
  log(s, 'D1', 'REPL', LogIds.newlyAddedRemovalScheduled, { memberId: m.config._id });
  s.out.push({ kind: 'removeNewlyAdded', memberId: m.config._id, version: config.version, term: config.term });
}

/**
 * A heartbeat to `host` failed: a network error (`reply` undefined) is retried at once while the
 * round has tries and time left; otherwise the member is DOWN until it answers again.
 */
export function heartbeatFailed(s: TopologyState, host: string, message: string, reply: Document | undefined): void {
  const m = s.members.get(host);
  if (!m) return;
  const primaryBefore = primaryHost(s);
  const at = now(s);
  m.hbFailures++;
  m.lastHeartbeatMillis = at;
  emit(s, { type: 'heartbeatFailed', to: host, error: message });
  const heartbeat = settingsOrDefault(s);
  const elapsed = at - m.hbRoundStartMillis;
  if (reply === undefined && m.hbFailures <= 2 && elapsed < heartbeat.heartbeatTimeoutSecs * 1000) {
    scheduleHeartbeat(s, host, 0);
  } else {
    if (m.health !== 0) {
      m.health = 0;
      m.state = MemberState.DOWN;
      m.pingMs = 0;
      m.upSinceMillis = 0;
      m.lastHeartbeatMessage = reply ? message : `Error connecting to ${host} :: caused by :: ${message}`;
      log(s, 'I', 'REPL', LogIds.memberDown, { hostAndPort: host, heartbeatMessage: m.lastHeartbeatMessage });
      emit(s, { type: 'memberHealth', member: host, health: 0, state: 'DOWN' });
      if (s.catchUp) checkCatchUp(s);
    }
    m.hbFailures = 0;
    scheduleHeartbeat(s, host, heartbeat.heartbeatIntervalMillis);
  }
  if (!s.stopped && primaryHost(s) !== primaryBefore) bumpTopology(s);
}

/**
 * replSetHeartbeat from a member, first step: a newer term, the sender heard from, and a newer
 * config fetched (an uninitiated member learns its config this way). Throws on another set name.
 */
export function receiveHeartbeat(s: TopologyState, cmd: Document): void {
  const setName = requireReplSet(s);
  const from = typeof cmd.from === 'string' ? normalizeHost(cmd.from) : '';
  const theirSet = String(cmd.replSetHeartbeat ?? '');
  if (theirSet !== setName) {
    throw serverError('InconsistentReplicaSetNames', `Our set name of ${setName} does not match name ${theirSet} reported by remote node`);
  }
  const theirVersion = Number(cmd.configVersion ?? -2);
  const theirConfigTerm = Number(cmd.configTerm ?? -1);
  const theirTerm = Number(cmd.term ?? -1);
  const config = s.persisted.config;
  if (from) emit(s, { type: 'heartbeatReceived', from });
  if (!config) {
    // Not initiated: learn the config by heartbeating the sender back.
    if (from && theirVersion > 0 && !cmd.checkEmpty) s.out.push({ kind: 'fetchConfig', from });
    return;
  }
  if (theirTerm > term(s)) updateTerm(s, theirTerm, `heartbeat from ${from}`);
  const sender = s.members.get(from);
  if (sender) {
    sender.lastHeartbeatRecvMillis = now(s);
    sender.lastContactMillis = now(s);
  }
  if (compareConfigVersion(theirVersion, theirConfigTerm, config.version, config.term) > 0 && from) s.out.push({ kind: 'fetchConfig', from });
}

/** replSetHeartbeat, second step: the answer, from the state as the first step left it. */
export function heartbeatResponse(s: TopologyState, cmd: Document): Document {
  const config = s.persisted.config;
  const reply: Document = { ok: 1 };
  if (!config) {
    reply.state = s.stateCode;
    reply.configVersion = -2;
    reply.configTerm = -1;
    reply.term = term(s);
    reply.set = '';
    reply.opTime = opTimeToBson(lastApplied(s));
    reply.durableOpTime = opTimeToBson(lastApplied(s));
    reply.electable = false;
    return reply;
  }
  const theirVersion = Number(cmd.configVersion ?? -2);
  const theirConfigTerm = Number(cmd.configTerm ?? -1);
  reply.set = config._id;
  reply.state = s.stateCode;
  reply.term = term(s);
  reply.configVersion = config.version;
  reply.configTerm = config.term;
  reply.syncingTo = s.syncSource ?? '';
  // In initial sync the optimes are null, so that a member in STARTUP2 reports no progress and is
  // part of no write majority (topology_coordinator.cpp prepareHeartbeatResponseV1).
  const initialSync = s.stateCode === MemberState.STARTUP2;
  const wallMillis = initialSync ? 0 : lastAppliedWallMillis(s);
  reply.opTime = opTimeToBson(initialSync ? NULL_OPTIME : lastApplied(s));
  reply.wallTime = new Date(wallMillis);
  reply.durableOpTime = opTimeToBson(initialSync ? NULL_OPTIME : lastDurable(s));
  reply.durableWallTime = new Date(wallMillis);
  reply.electable = canStandForElection(s);
  if (s.stateCode === MemberState.PRIMARY && s.electionTimeTs !== undefined) reply.electionTime = tsToBson(s.electionTimeTs);
  if (compareConfigVersion(theirVersion, theirConfigTerm, config.version, config.term) < 0) reply.config = configToDocument(config);
  reply.$replData = replData(s);
  return reply;
}

/** The heartbeat that asks a member for its (newer) config; undefined without replication. */
export function configFetchCommand(s: TopologyState): Document | undefined {
  const setName = s.replSetName;
  if (setName === undefined) return undefined;
  const current = s.persisted.config;
  return { replSetHeartbeat: setName, configVersion: current?.version ?? -2, configTerm: current?.term ?? -1, hbv: 1, from: s.selfName, fromId: selfConfig(s)?._id ?? -1, term: term(s) };
}

/** The member answered the config fetch (ok: 1 with a config): install it if it is still newer. */
export function configFetched(s: TopologyState, host: string, reply: Document): void {
  const doc = reply.config as Document;
  const current = s.persisted.config;
  if (current && compareConfigVersion(Number(doc.version), Number(doc.term ?? -1), current.version, current.term) <= 0) return;
  try {
    const replicaSetId = doc.settings?.replicaSetId instanceof ObjectId ? doc.settings.replicaSetId : ObjectId.createFromHexString(s.env.random.hex(12));
    installConfig(s, parseConfig(doc, replicaSetId), `config from ${host}`);
    if (reply.term !== undefined) updateTerm(s, Number(reply.term), 'config fetch');
  } catch (e) {
    log(s, 'W', 'REPL', LogIds.invalidConfigInHeartbeatReply, { error: String(e), from: host });
  }
}
