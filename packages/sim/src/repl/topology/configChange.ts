import { ObjectId } from 'bson';
import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import { NULL_OPTIME } from '../../base/optime';
import { LogIds } from '../../log/ids';
import type { MemberConfig, ReplSetConfig } from '../config';
import { configToDocument, isElectableMember, parseConfig } from '../config';
import { MemberState, stateName } from '../state';
import { updateCommitPoint } from './commitPoint';
import type { MemberData, TopologyState } from './core';
import {
  bumpTopology,
  canStandForElection,
  emit,
  isSelf,
  isWritablePrimary,
  log,
  now,
  requireReplSet,
  requireRunning,
  resetElectionTimer,
  scheduleHeartbeat,
  selfConfig,
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
  if (reason !== 'startup') s.out.push({ kind: 'persistReplState', what: 'config' });
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
      if (s.persisted.oplog.length === 0) {
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
  // A one-member set elects itself at once.
  if (s.stateCode === MemberState.SECONDARY && canStandForElection(s) && votingMembersCount(s) === 1) {
    s.out.push({ kind: 'electSoon', reason: 'single node replica set', skipDryRun: true });
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

/** replSetReconfig before its quorum check: version must grow; only a writable primary (unless force). */
export function prepareReconfig(s: TopologyState, configDoc: Document, force: boolean): ReplSetConfig {
  requireReplSet(s);
  const current = s.persisted.config;
  if (!current) throw serverError('NotYetInitialized', 'no replset config has been received');
  if (!force && !isWritablePrimary(s)) {
    throw serverError('NotWritablePrimary', `replSetReconfig should only be run on a writable PRIMARY. Current state ${stateName(s.stateCode)};`);
  }
  const config = parseConfig(configDoc, current.settings.replicaSetId);
  if (config._id !== current._id) {
    throw serverError('InvalidReplicaSetConfig', `New and old configurations differ in replica set name; old was ${current._id}, and new is ${config._id}`);
  }
  if (force) {
    config.version = Math.max(config.version, current.version + s.env.random.int(10_000, 100_000));
    config.term = -1;
    return config;
  }
  if (config.version <= current.version) {
    throw serverError(
      'NewReplicaSetConfigurationIncompatible',
      `New replica set configuration version must be greater than old, but ${config.version} is not greater than ${current.version} for replica set ${current._id}`,
    );
  }
  config.term = term(s);
  const oldVoters = new Set(current.members.filter((m) => m.votes > 0).map((m) => m.host));
  const newVoters = new Set(config.members.filter((m) => m.votes > 0).map((m) => m.host));
  const added = [...newVoters].filter((h) => !oldVoters.has(h)).length;
  const removed = [...oldVoters].filter((h) => !newVoters.has(h)).length;
  if (added + removed > 1) {
    throw serverError('InvalidReplicaSetConfig', 'Non force replica set reconfig can only add or remove at most 1 voting member.');
  }
  if (!config.members.some((m) => isSelf(s, m.host))) {
    throw serverError('InvalidReplicaSetConfig', `This node, ${s.selfName}, with _id ${selfConfig(s)?._id ?? -1} is not electable under the new configuration with {version: ${config.version}, term: ${config.term}} for replica set ${config._id}`);
  }
  for (const m of config.members) {
    const before = current.members.find((c) => c._id === m._id);
    if (before && before.host !== m.host && current.members.some((c) => c.host === m.host && c._id !== m._id)) {
      throw serverError('InvalidReplicaSetConfig', `New and old configurations both have members with host of ${m.host} but in the new configuration the _id field is ${m._id} and in the old configuration it is ${before._id} for replica set ${config._id}`);
    }
    if (before && before.arbiterOnly !== m.arbiterOnly) {
      throw serverError('InvalidReplicaSetConfig', `New and old configurations differ in the setting of the arbiterOnly field for member ${m.host}; to make this change, remove then re-add the member`);
    }
  }
  return config;
}

/** replSetReconfig after its quorum check (none when forced): install; a primary logs the change. */
export function commitReconfig(s: TopologyState, config: ReplSetConfig, force: boolean): void {
  requireRunning(s);
  if (!force && !isWritablePrimary(s)) throw serverError('NotWritablePrimary', 'not primary');
  installConfig(s, config, 'replSetReconfig');
  if (s.stateCode === MemberState.PRIMARY) {
    logOps(s, [{ op: 'n', ns: '', o: { msg: 'Reconfig set', version: config.version } }]);
  }
}
