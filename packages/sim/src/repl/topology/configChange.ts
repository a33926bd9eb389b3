import { ObjectId } from 'bson';
import type { Document } from 'bson';
import type { ServerError } from '../../base/errors';
import { serverError } from '../../base/errors';
import { NULL_OPTIME, compareOpTime, formatOpTime } from '../../base/optime';
import { LogIds } from '../../log/ids';
import { ensureLocalUuids } from '../../storage/replState';
import type { MemberConfig, ReplSetConfig } from '../config';
import { cloneConfig, compareConfigVersion, configToDocument, isElectableMember, isVoter, parseConfig, votingMajority, writeMajority } from '../config';
import { MemberState, stateName } from '../state';
import { updateCommitPoint } from './commitPoint';
import type { MemberData, TopologyState } from './core';
import {
  bumpTopology,
  canStandForElection,
  emit,
  isSelf,
  isWritablePrimary,
  lastApplied,
  log,
  now,
  requireReplSet,
  requireRunning,
  resetElectionTimer,
  scheduleHeartbeat,
  setState,
  term,
  votingMembersCount,
  wantsToFetch,
} from './core';
import { appendLocal, logOps } from './oplogWrite';
import { stepDownNow } from './stepDown';

/**
 * Taking a config into use — at startup, from replSetInitiate or replSetReconfig, or newer from a
 * heartbeat — and the checks those two commands make before their quorum check (mongod's
 * TopologyCoordinator::updateConfig, ReplicationCoordinatorImpl::processReplSetInitiate/Reconfig,
 * repl_set_config_checks). The quorum check itself is I/O (repl/reconfig.ts).
 */

function newMemberData(s: TopologyState, mc: MemberConfig, index: number): MemberData {
  return {
    config: mc,
    index,
    health: -1,
    state: MemberState.UNKNOWN,
    term: -1,
    applied: NULL_OPTIME,
    appliedWallMillis: 0,
    durable: NULL_OPTIME,
    configVersion: -1,
    configTerm: -1,
    syncSource: '',
    electionTimeTs: undefined,
    lastHeartbeatMillis: 0,
    lastHeartbeatRecvMillis: 0,
    lastContactMillis: now(s),
    upSinceMillis: 0,
    pingMs: 0,
    pingCount: 0,
    lastHeartbeatMessage: '',
    hbRoundStartMillis: 0,
    hbFailures: 0,
  };
}

/**
 * Use `config` from now on: find this member in it, keep what is known of members that stay,
 * change state as the config says (REMOVED, ARBITER, out of STARTUP), heartbeat everyone.
 */
export function installConfig(s: TopologyState, config: ReplSetConfig, reason: string): void {
  const previous = s.persisted.config;
  s.persisted.config = config;
  // The first config makes local.oplog.rs and local.system.replset, each with this member's own UUID.
  const madeLocalUuids = ensureLocalUuids(s.persisted, `${config.settings.replicaSetId.toHexString()}/${s.selfName}/${s.env.now()}`);
  if (reason !== 'startup' || madeLocalUuids) s.out.push({ kind: 'persistReplState', what: 'config' });
  const selfIndex = config.members.findIndex((m) => isSelf(s, m.host));
  s.selfIndex = selfIndex;
  const listedAs = config.members[selfIndex]?.host;
  if (listedAs !== undefined && listedAs !== s.selfName) {
    log(s, 'D1', 'REPL', LogIds.listedUnderAlias, { name: s.selfName, listedAs });
    s.selfAliases.add(s.selfName);
    s.selfName = listedAs;
  }
  const old = new Map(s.members);
  s.members.clear();
  config.members.forEach((mc, index) => {
    if (index === selfIndex) return;
    const prior = old.get(mc.host);
    if (prior) {
      prior.config = mc;
      prior.index = index;
      s.members.set(mc.host, prior);
      old.delete(mc.host);
    } else {
      s.members.set(mc.host, newMemberData(s, mc, index));
    }
  });
  for (const gone of old.values()) s.out.push({ kind: 'forgetMember', host: gone.config.host });
  if (!previous || previous.version !== config.version || previous.term !== config.term) {
    emit(s, { type: 'configChange', version: config.version, term: config.term });
  }
  log(s, 'I', 'REPL', LogIds.newConfigInUse, { config: configToDocument(config), reason });
  if (selfIndex < 0) {
    if (s.stateCode === MemberState.PRIMARY) stepDownNow(s, 'removed from config');
    setState(s, MemberState.REMOVED, 'not in the replica set config');
    s.out.push({ kind: 'stopFetcher' });
  } else {
    const me = config.members[selfIndex]!;
    if (me.arbiterOnly) {
      setState(s, MemberState.ARBITER, 'arbiter in config');
    } else if (s.stateCode === MemberState.STARTUP || s.stateCode === MemberState.REMOVED || s.stateCode === MemberState.ARBITER) {
      if (s.persisted.oplog.length === 0 || s.persisted.initialSyncFlag) {
        // Restarted in the middle of an initial sync: its oplog and clone count for nothing, it
        // starts again (startup_recovery.cpp, needInitialSync from the initialSyncFlag).
        if (s.persisted.oplog.length > 0) s.persisted.oplog.truncateAfter(-1);
        setState(s, MemberState.STARTUP2, 'initial sync');
      } else {
        setState(s, MemberState.SECONDARY, reason === 'startup' ? 'restarted with data' : 'config installed');
      }
    }
    if (s.stateCode === MemberState.PRIMARY && !isElectableMember(me)) stepDownNow(s, 'no longer electable in new config');
  }
  bumpTopology(s);
  for (const m of s.members.values()) scheduleHeartbeat(s, m.config.host, 0);
  if (wantsToFetch(s)) s.out.push({ kind: 'startFetcher' });
  resetElectionTimer(s);
  // A one-member set elects itself at once (kActionStartSingleNodeElection → _startElectSelfV1
  // with reason kElectionTimeout, the reason rs.status() then shows).
  if (s.stateCode === MemberState.SECONDARY && canStandForElection(s) && votingMembersCount(s) === 1) {
    s.out.push({ kind: 'electSoon', reason: 'electionTimeout', skipDryRun: true });
  }
  if (s.stateCode === MemberState.PRIMARY) updateCommitPoint(s);
}

/** At startup: the config the member had, if any. */
export function startUp(s: TopologyState): void {
  const config = s.persisted.config;
  if (config) {
    log(s, 'I', 'REPL', LogIds.foundLocalConfigAtStartup, { config: configToDocument(config) });
    installConfig(s, config, 'startup');
  } else if (s.replSetName !== undefined) {
    log(s, 'I', 'REPL', LogIds.noLocalConfigAtStartup, {});
  }
}

/** replSetInitiate before its quorum check: the config to propose (made up of self and seeds without one). */
export function prepareInitiate(s: TopologyState, configDoc: Document | undefined): { config: ReplSetConfig; defaultConfig: boolean } {
  const setName = requireReplSet(s);
  if (s.persisted.config) throw serverError('AlreadyInitialized', 'already initialized');
  let doc: Document;
  let defaultConfig = false;
  if (configDoc === undefined) {
    const hosts = [s.selfName, ...s.seeds.filter((h) => h !== s.selfName)];
    doc = { _id: setName, version: 1, members: hosts.map((host, i) => ({ _id: i, host })) };
    defaultConfig = true;
    log(s, 'I', 'REPL', LogIds.initiateWithDefaultConfig, { config: doc });
  } else {
    doc = { ...configDoc };
    if (doc.version === undefined) doc.version = 1;
  }
  const config = parseConfig(doc, ObjectId.createFromHexString(s.env.random.hex(12)));
  if (config._id !== setName) {
    throw serverError(
      'InvalidReplicaSetConfig',
      `Attempting to initiate a replica set with name ${config._id}, but command line reports ${setName}; rejecting`,
    );
  }
  if (config.version !== 1) throw serverError('InvalidReplicaSetConfig', `Initial config version must be 1, got ${config.version}`);
  // repl_set_config_checks.cpp ensureNoNewlyAddedMembers (validateConfigForInitiate).
  const newlyAdded = config.members.find((m) => m.newlyAdded);
  if (newlyAdded) {
    throw serverError(
      'InvalidReplicaSetConfig',
      `Member ${newlyAdded.host}, with _id ${newlyAdded._id}, has a newlyAdded field, which is not valid for initial configuration of a replica set.`,
    );
  }
  config.term = 0;
  if (!config.members.some((m) => isSelf(s, m.host))) {
    throw serverError(
      'NodeNotFound',
      `No host described in new configuration with {version: ${config.version}, term: ${config.term}} for replica set ${config._id} maps to this node`,
    );
  }
  return { config, defaultConfig };
}

/** replSetInitiate after its quorum check: the set's first oplog entry, then the config. */
export function commitInitiate(s: TopologyState, config: ReplSetConfig): void {
  requireRunning(s);
  if (s.persisted.config) throw serverError('AlreadyInitialized', 'already initialized');
  appendLocal(s, [{ op: 'n', ns: '', o: { msg: 'initiating set' } }], -1);
  installConfig(s, config, 'replSetInitiate');
}

/** `{version: V, term: T}`, as mongod's ConfigVersionAndTerm::toString prints it. */
function versionAndTerm(config: ReplSetConfig): string {
  return `{version: ${config.version}, term: ${config.term}}`;
}

/**
 * Whether the current config is committed (ReplicationCoordinatorImpl::awaitConfigCommitment and
 * the checks at the start of _doReplSetReconfig): a majority of the voters (arbiters included,
 * the `$configMajority` mode) report it by version and term in their heartbeats, and — unless it
 * is the first config or one a force reconfig installed — the commit point of the config before
 * it is durable on a write majority of this one. Undefined when committed, else what is missing.
 */
export function configCommitment(s: TopologyState): { part: 'config' | 'oplog'; config: ReplSetConfig } | undefined {
  const config = s.persisted.config;
  if (!config) return undefined;
  let have = 0;
  for (const mc of config.members) {
    if (!isVoter(mc)) continue;
    if (isSelf(s, mc.host)) have++;
    else {
      const m = s.members.get(mc.host);
      if (m && m.configVersion === config.version && m.configTerm === config.term) have++;
    }
  }
  if (have < votingMajority(config)) return { part: 'config', config };
  if (config.version === 1 || config.term === -1) return undefined;
  const target = s.lastCommittedInPrevConfig;
  let durable = 0;
  for (const mc of config.members) {
    if (!isVoter(mc) || mc.arbiterOnly) continue;
    const at = isSelf(s, mc.host) ? lastApplied(s) : s.members.get(mc.host)?.durable;
    if (at && compareOpTime(at, target) >= 0) durable++;
  }
  return durable >= writeMajority(config) ? undefined : { part: 'oplog', config };
}

/** What awaitConfigCommitment and the reconfig's own checks say of an uncommitted config. */
export function configCommitmentMessage(s: TopologyState, missing: { part: 'config' | 'oplog'; config: ReplSetConfig }, waited: boolean): string {
  const target = formatOpTime(s.lastCommittedInPrevConfig);
  if (missing.part === 'config') {
    return waited
      ? `Current config with ${versionAndTerm(missing.config)} has not yet propagated to a majority of nodes`
      : `Cannot run replSetReconfig because the current config: ${versionAndTerm(missing.config)} is not majority committed.`;
  }
  return waited
    ? `Last committed optime in the previous config (${target}) has not yet become committed in the current config with ${versionAndTerm(missing.config)}`
    : `Last committed optime from previous config (${target}) is not committed in the current config.`;
}

/**
 * replSetReconfig before its quorum check (replication_coordinator_impl.cpp _doReplSetReconfig,
 * repl_set_config_checks.cpp validateConfigForReconfig): a safe reconfig runs only on a writable
 * primary whose current config is committed (CurrentConfigNotCommittedYet), its version and term
 * must grow, it may add or remove at most one voter (by member _id), and this member must be
 * electable in it; the failed checks of the new config against the old are
 * NewReplicaSetConfigurationIncompatible (103). A forced one skips all that and takes a version
 * larger by 10,000 plus a random amount below 100,000.
 */
export function prepareReconfig(s: TopologyState, configDoc: Document, force: boolean): ReplSetConfig {
  requireReplSet(s);
  const current = s.persisted.config;
  if (!current) throw serverError('NotYetInitialized', 'Node not yet initialized; use the replSetInitiate command');
  if (!force && !isWritablePrimary(s)) {
    throw serverError('NotWritablePrimary', `Safe reconfig is only allowed on a writable PRIMARY. Current state is ${stateName(s.stateCode)}`);
  }
  if (!force) {
    const missing = configCommitment(s);
    if (missing) throw serverError('CurrentConfigNotCommittedYet', configCommitmentMessage(s, missing, false));
  }
  const config = parseConfig(configDoc, current.settings.replicaSetId);
  if (config._id !== current._id) {
    throw serverError(
      'InvalidReplicaSetConfig',
      `Rejecting reconfig where new config set name differs from command line set name, new config set name: ${config._id}, old config set name: ${current._id}`,
    );
  }
  if (force) {
    config.version = Math.max(config.version, current.version) + 10_000 + s.env.random.int(0, 99_999);
    config.term = -1;
  } else {
    config.term = term(s);
  }
  markNewlyAdded(s, current, config, force);
  const incompatible = (message: string): ServerError => serverError('NewReplicaSetConfigurationIncompatible', message);
  if (!force && compareConfigVersion(config.version, config.term, current.version, current.term) <= 0) {
    throw incompatible(
      `New replica set configuration version and term must be greater than old, but ${versionAndTerm(config)} is not greater than ${versionAndTerm(current)} for replica set ${current._id}`,
    );
  }
  for (const m of config.members) {
    for (const before of current.members) {
      if (before.host === m.host && before._id !== m._id) {
        throw incompatible(`New and old configurations both have members with host of ${m.host} but in the new configuration the _id field is ${m._id} and in the old configuration it is ${before._id} for replica set ${config._id}`);
      }
      if (before._id === m._id && before.host === m.host) {
        if (before.buildIndexes !== m.buildIndexes) {
          throw incompatible(`New and old configurations differ in the setting of the buildIndexes field for member ${m.host}; to make this change, remove then re-add the member`);
        }
        if (before.arbiterOnly !== m.arbiterOnly) {
          throw incompatible(`New and old configurations differ in the setting of the arbiterOnly field for member ${m.host}; to make this change, remove then re-add the member`);
        }
      }
    }
  }
  if (!force) {
    // validateSingleNodeChange: the symmetric difference of the voters' _ids is at most one;
    // newlyAdded members are not voters (votingMembers()), so several can be added at once.
    const oldVoters = new Set(current.members.filter(isVoter).map((m) => m._id));
    const newVoters = new Set(config.members.filter(isVoter).map((m) => m._id));
    const changed = [...newVoters].filter((id) => !oldVoters.has(id)).length + [...oldVoters].filter((id) => !newVoters.has(id)).length;
    if (changed > 1) throw incompatible('Non force replica set reconfig can only add or remove at most 1 voting member.');
  }
  const mine = config.members.find((m) => isSelf(s, m.host));
  if (!mine) {
    throw serverError('NodeNotFound', `No host described in new configuration with ${versionAndTerm(config)} for replica set ${config._id} maps to this node`);
  }
  if (!force && !isElectableMember(mine)) {
    throw serverError('NodeNotElectable', `This node, ${mine.host}, with _id ${mine._id} is not electable under the new configuration with ${versionAndTerm(config)} for replica set ${config._id}`);
  }
  return config;
}

/**
 * replication_coordinator_impl.cpp processReplSetReconfig's getNewConfig: a config a user gives may
 * not carry `newlyAdded` (InvalidReplicaSetConfig, log 4634900), forced or not. A safe reconfig then
 * marks every voter that is new by `_id`, and keeps the mark on every member that had it; never
 * an arbiter, never in a forced reconfig (whose members therefore all vote at once).
 */
function markNewlyAdded(s: TopologyState, current: ReplSetConfig, config: ReplSetConfig, force: boolean): void {
  if (config.members.some((m) => m.newlyAdded)) {
    const errmsg = 'Cannot provide newlyAdded field to member config during reconfig.';
    log(s, 'E', 'REPL', LogIds.newlyAddedProvided, { errmsg });
    throw serverError('InvalidReplicaSetConfig', errmsg);
  }
  if (force) return;
  let marked = false;
  for (const m of config.members) {
    if (m.arbiterOnly) continue;
    const before = current.members.find((o) => o._id === m._id);
    if ((before === undefined && m.votes > 0) || before?.newlyAdded) {
      m.newlyAdded = true;
      marked = true;
    }
  }
  if (marked) log(s, 'I', 'REPL', LogIds.newlyAddedAppended, { newConfigObj: configToDocument(config), oldConfig: configToDocument(current) });
}

/**
 * replication_coordinator_impl.cpp _reconfigToRemoveNewlyAddedField's getNewConfig: the config the
 * primary's heartbeat saw, with version + 1 (same term) and member `memberId` no longer newlyAdded;
 * then the checks of a safe reconfig (writable primary, current config committed, single node
 * change, still electable). A config that moved on since (NewReplicaSetConfigurationIncompatible)
 * or a mark already gone (NoSuchKey) ends the attempt; the next heartbeat tries again if need be.
 */
export function prepareNewlyAddedRemoval(s: TopologyState, memberId: number, version: number, configTerm: number): ReplSetConfig {
  requireReplSet(s);
  const current = s.persisted.config;
  if (!current) throw serverError('NotYetInitialized', 'Node not yet initialized; use the replSetInitiate command');
  if (!isWritablePrimary(s)) {
    throw serverError('NotWritablePrimary', `Safe reconfig is only allowed on a writable PRIMARY. Current state is ${stateName(s.stateCode)}`);
  }
  const missing = configCommitment(s);
  if (missing) throw serverError('CurrentConfigNotCommittedYet', configCommitmentMessage(s, missing, false));
  if (current.version !== version || current.term !== configTerm) {
    throw serverError(
      'NewReplicaSetConfigurationIncompatible',
      `Current config is no longer consistent with heartbeat data. Current config version: ${versionAndTerm(current)}, heartbeat data config version: {version: ${version}, term: ${configTerm}}`,
    );
  }
  const config = cloneConfig(current);
  config.version = current.version + 1;
  const member = config.members.find((m) => m._id === memberId);
  if (!member?.newlyAdded) throw serverError('NoSuchKey', "Old config no longer has 'newlyAdded' field");
  delete member.newlyAdded;
  return config;
}

/** replSetReconfig after its quorum check (none when forced): install; a primary logs the change. */
export function commitReconfig(s: TopologyState, config: ReplSetConfig, force: boolean): void {
  requireRunning(s);
  if (!force && !isWritablePrimary(s)) throw serverError('NotWritablePrimary', 'not primary');
  installConfig(s, config, 'replSetReconfig');
  // _finishReplSetReconfig: the commit point as the new config takes effect.
  s.lastCommittedInPrevConfig = s.commitPoint;
  if (s.stateCode === MemberState.PRIMARY) {
    logOps(s, [{ op: 'n', ns: '', o: { msg: 'Reconfig set', version: config.version } }]);
  }
}
