import { Long } from 'bson';
import type { Document } from 'bson';
import { NULL_OPTIME, isNullOpTime, opTimeToBson, tsSecs, tsToBson } from '../../base/optime';
import type { OpTime } from '../../base/optime';
import { configToDocument, memberPriority, votingMajority, votingMembers, writableVotingMembersCount, writeMajority } from '../config';
import { MemberState, stateName } from '../state';
import type { MemberStateName } from '../state';
import type { TopologyState } from './core';
import { lastApplied, lastAppliedWallMillis, lastDurable, primaryHost, requireConfig, requireReplSet, selfConfig, term } from './core';
import { candidateMetricsDocument, participantMetricsDocument } from './metrics';

/**
 * What the core reports about itself and the set, as plain reads of its state: replSetGetStatus,
 * replSetGetConfig, the `$replData`/`$oplogQueryData` metadata, the members as SDAM lists them,
 * and views for the UI (mongod's TopologyCoordinator prepareStatusResponse, prepareReplSetMetadata).
 */

/** Another member as seen through heartbeats (see `peerViews`). */
export interface PeerView {
  host: string;
  /** 1 up, 0 down, -1 not heard from yet. */
  health: -1 | 0 | 1;
  /** Its state code as last reported; DOWN or UNKNOWN while it is not healthy. */
  state: number;
  /** When its last heartbeat reply arrived, 0 if none has. */
  lastHeartbeatRecvMillis: number;
  pingMs: number;
}

/** `$replData`, the metadata every reply between members carries. */
export function replData(s: TopologyState): Document {
  const config = s.persisted.config;
  let primaryIndex = -1;
  if (s.stateCode === MemberState.PRIMARY) primaryIndex = s.selfIndex;
  else {
    const primary = primaryHost(s);
    if (primary) primaryIndex = s.members.get(primary)?.index ?? -1;
  }
  const syncSourceIndex = s.syncSource ? (s.members.get(s.syncSource)?.index ?? -1) : -1;
  return {
    term: Long.fromNumber(term(s)),
    lastOpCommitted: opTimeToBson(s.commitPoint),
    lastOpVisible: opTimeToBson(lastApplied(s)),
    configVersion: config?.version ?? -2,
    configTerm: config?.term ?? -1,
    replicaSetId: config?.settings.replicaSetId,
    primaryIndex,
    syncSourceIndex,
    isPrimary: s.stateCode === MemberState.PRIMARY,
  };
}

/** `$oplogQueryData`, sent with oplog batches. */
export function oplogQueryData(s: TopologyState): Document {
  const data = replData(s);
  return { lastOpCommitted: data.lastOpCommitted, lastOpApplied: opTimeToBson(lastApplied(s)), rbid: s.persisted.rbid, primaryIndex: data.primaryIndex, syncSourceIndex: data.syncSourceIndex };
}

/** Known views of another member (for status and tests). */
export function memberView(s: TopologyState, host: string): Readonly<{ health: number; state: MemberStateName; applied: OpTime; pingMs: number }> | undefined {
  const m = s.members.get(host);
  return m && { health: m.health, state: stateName(m.state), applied: m.applied, pingMs: m.pingMs };
}

/**
 * Each other member of the config as this one's heartbeats see it, as plain values: what a live
 * view needs of `status()` without building its BSON document.
 */
export function peerViews(s: TopologyState): PeerView[] {
  const config = s.persisted.config;
  if (!config) return [];
  const peers: PeerView[] = [];
  for (const mc of config.members) {
    const m = mc.host === s.selfName ? undefined : s.members.get(mc.host);
    if (!m) continue;
    peers.push({
      host: mc.host,
      health: m.health,
      state: m.health === 1 ? m.state : m.health === 0 ? MemberState.DOWN : MemberState.UNKNOWN,
      lastHeartbeatRecvMillis: m.lastHeartbeatRecvMillis,
      pingMs: m.pingMs,
    });
  }
  return peers;
}

function wallOf(s: TopologyState, o: OpTime): number {
  const i = s.persisted.oplog.indexOf(o);
  return i >= 0 ? s.persisted.oplog.at(i)!.wallMillis : 0;
}

/** replSetGetStatus reply (without ok). */
/**
 * serverStatus({repl: 1}).repl.replicationProgress (topology_coordinator.cpp fillMemberData): one
 * entry per member of the config, in config order, with what this member knows of its durable and
 * applied optimes. This simulator keeps one applied and one durable optime per member, from
 * heartbeats and position updates alike, so mongod's separate heartbeatAppliedOpTime and
 * heartbeatDurableOpTime are not reported. Empty before a config.
 */
export function replicationProgress(s: TopologyState): Document[] {
  const config = s.persisted.config;
  if (config === undefined) return [];
  return config.members.map((mc, index) => {
    if (index === s.selfIndex) return { host: mc.host, optime: opTimeToBson(lastDurable(s)), lastAppliedOpTime: opTimeToBson(lastApplied(s)), memberId: mc._id };
    const m = s.members.get(mc.host);
    return { host: mc.host, optime: opTimeToBson(m?.durable ?? NULL_OPTIME), lastAppliedOpTime: opTimeToBson(m?.applied ?? NULL_OPTIME), memberId: mc._id };
  });
}

export function status(s: TopologyState, nowMillis: number, uptimeSecs: number): Document {
  requireReplSet(s);
  const config = requireConfig(s);
  const applied = lastApplied(s);
  const appliedWall = new Date(lastAppliedWallMillis(s));
  // A primary reports no sync source, even while it fetches in catch-up; another member's is what
  // its heartbeats say, none while it is down or primary (topology_coordinator.cpp
  // prepareStatusResponse).
  const selfSyncSource = s.syncSource && s.stateCode !== MemberState.PRIMARY ? s.syncSource : '';
  const syncSourceId = selfSyncSource ? (s.members.get(selfSyncSource)?.config._id ?? -1) : -1;
  const members: Document[] = [];
  for (const mc of config.members) {
    if (mc.host === s.selfName) {
      const doc: Document = {
        _id: mc._id,
        name: mc.host,
        health: 1,
        state: s.stateCode,
        stateStr: stateName(s.stateCode),
        uptime: uptimeSecs,
        optime: opTimeToBson(applied),
        optimeDate: new Date(tsSecs(applied.ts) * 1000),
        lastAppliedWallTime: appliedWall,
        lastDurableWallTime: appliedWall,
        syncSourceHost: selfSyncSource,
        syncSourceId,
        // _getHbmsg: the last heartbeat message, if under 2 minutes old.
        infoMessage: nowMillis - s.heartbeatMessage.atMillis > 120_000 ? '' : s.heartbeatMessage.text,
        configVersion: config.version,
        configTerm: config.term,
        self: true,
        lastHeartbeatMessage: '',
      };
      if (s.stateCode === MemberState.PRIMARY && s.electionTimeTs !== undefined) {
        doc.electionTime = tsToBson(s.electionTimeTs);
        doc.electionDate = new Date(tsSecs(s.electionTimeTs) * 1000);
      }
      members.push(doc);
      continue;
    }
    const m = s.members.get(mc.host)!;
    const up = m.health === 1;
    const doc: Document = {
      _id: mc._id,
      name: mc.host,
      health: up ? 1 : 0,
      state: up ? m.state : m.health === 0 ? MemberState.DOWN : MemberState.UNKNOWN,
      stateStr: up ? stateName(m.state) : m.health === 0 ? '(not reachable/healthy)' : 'UNKNOWN',
      uptime: up ? Math.floor((nowMillis - m.upSinceMillis) / 1000) : 0,
      optime: opTimeToBson(m.applied),
      optimeDurable: opTimeToBson(m.durable),
      optimeDate: new Date(tsSecs(m.applied.ts) * 1000),
      optimeDurableDate: new Date(tsSecs(m.durable.ts) * 1000),
      lastAppliedWallTime: new Date(m.appliedWallMillis),
      lastDurableWallTime: new Date(m.appliedWallMillis),
      lastHeartbeat: new Date(m.lastHeartbeatMillis),
      lastHeartbeatRecv: new Date(m.lastHeartbeatRecvMillis),
      pingMs: Long.fromNumber(m.pingMs),
      lastHeartbeatMessage: m.lastHeartbeatMessage,
      syncSourceHost: up && m.state !== MemberState.PRIMARY ? m.syncSource : '',
      syncSourceId: up && m.state !== MemberState.PRIMARY && m.syncSource ? (config.members.find((c) => c.host === m.syncSource)?._id ?? -1) : -1,
      infoMessage: '',
      configVersion: m.configVersion,
      configTerm: m.configTerm,
    };
    if (up && m.state === MemberState.PRIMARY && m.electionTimeTs !== undefined) {
      doc.electionTime = tsToBson(m.electionTimeTs);
      doc.electionDate = new Date(tsSecs(m.electionTimeTs) * 1000);
    }
    members.push(doc);
  }
  const voting = votingMembers(config);
  const candidate = candidateMetricsDocument(s);
  const participant = participantMetricsDocument(s);
  const lastStable = selfConfig(s)?.arbiterOnly || isNullOpTime(s.commitPoint) ? undefined : s.commitPoint;
  return {
    set: config._id,
    date: new Date(nowMillis),
    myState: s.stateCode,
    term: Long.fromNumber(term(s)),
    syncSourceHost: selfSyncSource,
    syncSourceId,
    heartbeatIntervalMillis: Long.fromNumber(config.settings.heartbeatIntervalMillis),
    majorityVoteCount: votingMajority(config),
    writeMajorityCount: writeMajority(config),
    votingMembersCount: voting.length,
    writableVotingMembersCount: writableVotingMembersCount(config),
    optimes: {
      lastCommittedOpTime: opTimeToBson(s.commitPoint),
      lastCommittedWallTime: new Date(wallOf(s, s.commitPoint)),
      readConcernMajorityOpTime: opTimeToBson(s.commitPoint),
      appliedOpTime: opTimeToBson(applied),
      durableOpTime: opTimeToBson(applied),
      lastAppliedWallTime: appliedWall,
      lastDurableWallTime: appliedWall,
    },
    // The stable timestamp of the last checkpoint (storage's getLastStableRecoveryTimestamp): here the
    // majority commit point, which is what the stable timestamp follows.
    ...(lastStable ? { lastStableRecoveryTimestamp: tsToBson(lastStable.ts) } : {}),
    ...(candidate ? { electionCandidateMetrics: candidate } : {}),
    ...(participant ? { electionParticipantMetrics: participant } : {}),
    members,
  };
}

/** replSetGetConfig reply (without ok); newlyAdded marks only when `includeNewlyAdded`. */
export function configDocument(s: TopologyState, includeNewlyAdded: boolean): Document {
  requireReplSet(s);
  return { config: configToDocument(requireConfig(s), { omitNewlyAdded: !includeNewlyAdded }) };
}

/**
 * Members as hello lists them for SDAM (topology_coordinator.cpp fillHelloForReplSet): hidden and
 * delayed (secondaryDelaySecs > 0) members are in no list; electable ones (not an arbiter,
 * priority > 0) are hosts, arbiters arbiters, the rest (priority 0, or newlyAdded: getPriority()
 * is 0 then) passives.
 */
export function topologyLists(s: TopologyState): { hosts: string[]; passives: string[]; arbiters: string[] } {
  const hosts: string[] = [];
  const passives: string[] = [];
  const arbiters: string[] = [];
  for (const m of s.persisted.config?.members ?? []) {
    // topology_coordinator.cpp fillHelloForReplSet: hidden and delayed members are not listed.
    if (m.hidden || m.secondaryDelaySecs > 0) continue;
    if (m.arbiterOnly) arbiters.push(m.host);
    else if (memberPriority(m) > 0) hosts.push(m.host);
    else passives.push(m.host);
  }
  return { hosts, passives, arbiters };
}
