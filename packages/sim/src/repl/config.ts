import { ObjectId } from 'bson';
import type { Document } from 'bson';
import type { ServerError } from '../base/errors';
import { serverError } from '../base/errors';
import type { ConfigCodec } from '../storage/replState';

/** A replica-set member as `replSetGetConfig` shows it. */
export interface MemberConfig {
  _id: number;
  host: string;
  arbiterOnly: boolean;
  buildIndexes: boolean;
  hidden: boolean;
  priority: number;
  tags: Record<string, string>;
  secondaryDelaySecs: number;
  votes: number;
  /**
   * member_config.h `newlyAdded`: set by the primary on a voter a safe reconfig adds, removed by
   * its automatic reconfig once the member is past initial sync. While set, the member counts as
   * `votes: 0` and `priority: 0` (isVoter, memberPriority) though its own fields say otherwise.
   */
  newlyAdded?: true;
}

export interface ReplSetSettings {
  chainingAllowed: boolean;
  heartbeatIntervalMillis: number;
  heartbeatTimeoutSecs: number;
  electionTimeoutMillis: number;
  catchUpTimeoutMillis: number;
  catchUpTakeoverDelayMillis: number;
  /** Custom write concern modes: name → tag key → count of distinct values (validated). */
  getLastErrorModes: Record<string, Record<string, number>>;
  getLastErrorDefaults: { w: number | string; wtimeout: number };
  replicaSetId: ObjectId;
}

export interface ReplSetConfig {
  _id: string;
  version: number;
  term: number;
  protocolVersion: number;
  writeConcernMajorityJournalDefault: boolean;
  members: MemberConfig[];
  settings: ReplSetSettings;
}

export const MEMBERS_MAX = 50;
export const VOTING_MEMBERS_MAX = 7;
export const PRIORITY_MAX = 1000;

export const DEFAULT_SETTINGS = {
  chainingAllowed: true,
  heartbeatIntervalMillis: 2000,
  heartbeatTimeoutSecs: 10,
  electionTimeoutMillis: 10_000,
  catchUpTimeoutMillis: -1,
  catchUpTakeoverDelayMillis: 30_000,
} as const;

function invalid(message: string): ServerError {
  return serverError('InvalidReplicaSetConfig', message);
}

function num(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value && 'toNumber' in value && typeof (value as { toNumber: unknown }).toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber();
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw serverError('TypeMismatch', `"${field}" had the wrong type. Expected number, found ${typeof value}`);
}

function bool(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  return Boolean(value);
}

/**
 * Parse and validate a config document as mongod does for replSetInitiate/replSetReconfig
 * (codes and messages from mongod's repl_set_config validation).
 */
export function parseConfig(doc: Document, replicaSetId: ObjectId): ReplSetConfig {
  if (typeof doc._id !== 'string' || doc._id === '') throw invalid('Missing expected field "_id"');
  if (!Array.isArray(doc.members)) {
    throw serverError('TypeMismatch', `"members" had the wrong type. Expected array, found ${typeof doc.members}`);
  }
  const version = num(doc.version, 'version', 1);
  if (!Number.isInteger(version) || version < 1) throw invalid(`version field value of ${version} is out of range`);
  const protocolVersion = num(doc.protocolVersion, 'protocolVersion', 1);
  if (protocolVersion !== 1) throw invalid(`Only protocolVersion 1 is supported, found protocolVersion ${protocolVersion}`);
  const members: MemberConfig[] = doc.members.map((raw: unknown, i: number) => parseMember(raw, i));
  if (members.length === 0) throw invalid('Replica set configuration must have at least one member');
  if (members.length > MEMBERS_MAX) {
    throw invalid(`Replica set configuration contains ${members.length} members, but must have at most ${MEMBERS_MAX} members.`);
  }
  for (let i = 0; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) {
      if (members[i]!._id === members[j]!._id) {
        throw invalid(`Found two member configurations with same _id field, members.${i}._id == members.${j}._id == ${members[i]!._id}`);
      }
      if (members[i]!.host === members[j]!.host) {
        throw invalid(`Found two member configurations with same host field, members.${i}.host == members.${j}.host == ${members[i]!.host}`);
      }
    }
  }
  const voting = members.filter((m) => m.votes > 0).length;
  if (voting > VOTING_MEMBERS_MAX) {
    throw invalid(`Replica set configuration contains ${voting} voting members, but must contain at most ${VOTING_MEMBERS_MAX} voting members.`);
  }
  if (voting === 0) throw invalid('Replica set configuration must contain at least one voting member');
  if (!members.some((m) => m.priority > 0 && !m.arbiterOnly)) {
    throw invalid('Replica set configuration must contain at least one non-arbiter member with priority > 0');
  }
  const s = (doc.settings ?? {}) as Document;
  const settings: ReplSetSettings = {
    chainingAllowed: bool(s.chainingAllowed, DEFAULT_SETTINGS.chainingAllowed),
    heartbeatIntervalMillis: num(s.heartbeatIntervalMillis, 'settings.heartbeatIntervalMillis', DEFAULT_SETTINGS.heartbeatIntervalMillis),
    heartbeatTimeoutSecs: num(s.heartbeatTimeoutSecs, 'settings.heartbeatTimeoutSecs', DEFAULT_SETTINGS.heartbeatTimeoutSecs),
    electionTimeoutMillis: num(s.electionTimeoutMillis, 'settings.electionTimeoutMillis', DEFAULT_SETTINGS.electionTimeoutMillis),
    catchUpTimeoutMillis: num(s.catchUpTimeoutMillis, 'settings.catchUpTimeoutMillis', DEFAULT_SETTINGS.catchUpTimeoutMillis),
    catchUpTakeoverDelayMillis: num(s.catchUpTakeoverDelayMillis, 'settings.catchUpTakeoverDelayMillis', DEFAULT_SETTINGS.catchUpTakeoverDelayMillis),
    getLastErrorModes: parseWriteConcernModes(s.getLastErrorModes),
    getLastErrorDefaults: { w: 1, wtimeout: 0 },
    replicaSetId: s.replicaSetId instanceof ObjectId ? s.replicaSetId : replicaSetId,
  };
  if (!(settings.heartbeatIntervalMillis > 0)) invalidSetting('heartbeatIntervalMillis', settings.heartbeatIntervalMillis);
  if (!(settings.heartbeatTimeoutSecs > 0)) invalidSetting('heartbeatTimeoutSecs', settings.heartbeatTimeoutSecs);
  if (!(settings.electionTimeoutMillis > 0)) invalidSetting('electionTimeoutMillis', settings.electionTimeoutMillis);
  if (settings.catchUpTimeoutMillis < -1) invalidSetting('catchUpTimeoutMillis', settings.catchUpTimeoutMillis);
  checkModeTagKeys(members, settings.getLastErrorModes);
  return {
    _id: doc._id,
    version,
    term: num(doc.term, 'term', -1),
    protocolVersion: 1,
    writeConcernMajorityJournalDefault: bool(doc.writeConcernMajorityJournalDefault, true),
    members,
    settings,
  };
}

function invalidSetting(name: string, value: number): never {
  throw serverError('BadValue', `${name} field value must be positive, but found ${value}`);
}

function parseMember(raw: unknown, index: number): MemberConfig {
  if (!raw || typeof raw !== 'object') throw invalid(`Expected type of members.${index} to be object`);
  const m = raw as Document;
  const id = num(m._id, `members.${index}._id`, NaN);
  if (!Number.isInteger(id) || id < 0) throw serverError('BadValue', `_id field value of ${m._id} is out of range.`);
  if (typeof m.host !== 'string' || m.host === '') throw serverError('NoSuchKey', `Missing expected field "host"`);
  const host = normalizeHost(m.host);
  const arbiterOnly = bool(m.arbiterOnly, false);
  const hidden = bool(m.hidden, false);
  const votes = num(m.votes, `members.${index}.votes`, 1);
  const priority = num(m.priority, `members.${index}.priority`, arbiterOnly ? 0 : 1);
  if (votes !== 0 && votes !== 1) throw invalid(`votes field value is ${votes} but must be 0 or 1`);
  if (priority < 0 || priority > PRIORITY_MAX) throw invalid(`priority field value of ${priority} is out of range`);
  if (arbiterOnly && priority !== 0) throw invalid('priority must be 0 when arbiterOnly is true');
  if (arbiterOnly && votes !== 1) throw invalid('arbiter must vote (cannot have 0 votes)');
  const secondaryDelaySecs = num(m.secondaryDelaySecs ?? m.slaveDelay, `members.${index}.secondaryDelaySecs`, 0);
  const buildIndexes = bool(m.buildIndexes, true);
  const newlyAdded = bool(m.newlyAdded, false);
  // member_config.cpp MemberConfig: an electable-looking member (priority != 0) must vote, have no
  // delay, not be hidden and build indexes — in that order. The priority checked is getPriority(),
  // 0 for a newlyAdded member.
  if (priority !== 0 && !newlyAdded) {
    if (votes === 0) throw invalid('priority must be 0 when non-voting (votes:0)');
    if (secondaryDelaySecs > 0) throw invalid('priority must be 0 when secondaryDelaySecs is used');
    if (hidden) throw invalid('priority must be 0 when hidden=true');
    if (!buildIndexes) throw invalid('priority must be 0 when buildIndexes=false');
  }
  return {
    _id: id,
    host,
    arbiterOnly,
    buildIndexes,
    hidden,
    priority,
    tags: parseTags(m.tags, arbiterOnly),
    secondaryDelaySecs,
    votes,
    ...(newlyAdded ? { newlyAdded: true as const } : {}),
  };
}

function bsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'object' && value && '_bsontype' in value) {
    const t = String((value as { _bsontype: unknown })._bsontype);
    return t === 'Int32' ? 'int' : t === 'Long' ? 'long' : t === 'Double' ? 'double' : t === 'Decimal128' ? 'decimal' : t === 'ObjectId' ? 'objectId' : t.toLowerCase();
  }
  return typeof value === 'object' ? 'object' : typeof value;
}

function isNumberValue(value: unknown): boolean {
  if (typeof value === 'number' || typeof value === 'bigint') return true;
  const t = typeof value === 'object' && value && '_bsontype' in value ? String((value as { _bsontype: unknown })._bsontype) : '';
  return t === 'Int32' || t === 'Long' || t === 'Double' || t === 'Decimal128';
}

/**
 * A member's `tags` (member_config.cpp MemberConfig::addTagInfo): every value a string
 * ("tags.K field has non-string value of type T"), none on an arbiter ("Cannot set tags on
 * arbiters."). mongod's replSetInitiate/replSetReconfig return either as InvalidReplicaSetConfig.
 */
function parseTags(raw: unknown, arbiterOnly: boolean): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid(`Expected tags to be an Object, it actually had type ${bsonTypeName(raw)}`);
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Document)) {
    if (typeof value !== 'string') throw invalid(`tags.${key} field has non-string value of type ${bsonTypeName(value)}`);
    tags[key] = value;
  }
  if (arbiterOnly && Object.keys(tags).length > 0) throw invalid('Cannot set tags on arbiters.');
  return tags;
}

/**
 * `settings.getLastErrorModes` (repl_set_write_concern_mode_definitions.cpp parseFromBSON): an
 * object of modes, each an object of tag key → a positive count of distinct values. Returned with
 * the counts as plain integers (mongod reads them with numberInt).
 */
function parseWriteConcernModes(raw: unknown): Record<string, Record<string, number>> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(`Expected getLastErrorModes to be an Object, it actually had type ${bsonTypeName(raw)}`);
  }
  const modes: Record<string, Record<string, number>> = {};
  for (const [name, mode] of Object.entries(raw as Document)) {
    if (typeof mode !== 'object' || mode === null || Array.isArray(mode) || '_bsontype' in mode) {
      throw invalid(`Expected getLastErrorModes.${name} to be an Object, not ${bsonTypeName(mode)}`);
    }
    const constraints: Record<string, number> = {};
    for (const [key, count] of Object.entries(mode as Document)) {
      if (!isNumberValue(count)) throw invalid(`Expected getLastErrorModes.${name}.${key} to be a number, not ${bsonTypeName(count)}`);
      const minCount = Math.trunc(num(count, `getLastErrorModes.${name}.${key}`, 0));
      if (!(minCount > 0)) throw invalid(`Value of getLastErrorModes.${name}.${key} must be positive, but found ${minCount}`);
      constraints[key] = minCount;
    }
    modes[name] = constraints;
  }
  return modes;
}

/**
 * Every tag key a mode counts must be a tag some member has (ReplSetWriteConcernModeDefinitions::
 * convertToTagPatternMap → ReplSetTagConfig::addTagCountConstraintToPattern: NoSuchKey "No replica
 * set tag key K in config", which replSetInitiate/replSetReconfig return as InvalidReplicaSetConfig).
 */
function checkModeTagKeys(members: readonly MemberConfig[], modes: Record<string, Record<string, number>>): void {
  const keys = new Set<string>();
  for (const m of members) for (const key of Object.keys(m.tags)) keys.add(key);
  for (const mode of Object.values(modes)) {
    for (const key of Object.keys(mode)) {
      if (!keys.has(key)) throw invalid(`No replica set tag key ${key} in config`);
    }
  }
}

/** A custom write concern mode: tag key → how many distinct values of it must have the write. */
export type TagPattern = ReadonlyArray<{ key: string; minCount: number }>;

/** ReplSetConfig::findCustomWriteMode: the mode named `name` in settings.getLastErrorModes, if any. */
export function findCustomWriteMode(config: ReplSetConfig, name: string): TagPattern | undefined {
  const modes = config.settings.getLastErrorModes;
  if (!Object.prototype.hasOwnProperty.call(modes, name)) return undefined;
  return Object.entries(modes[name]!).map(([key, minCount]) => ({ key, minCount }));
}

/**
 * Whether the members in `have` (all of them, for ReplSetConfig::checkIfWriteConcernCanBeSatisfied)
 * carry enough distinct values of every key in `pattern` (repl_set_tag.cpp ReplSetTagMatch: a
 * constraint is met when minCount distinct values of its key are bound). Arbiters have no tags.
 */
export function tagPatternMatched(pattern: TagPattern, have: Iterable<MemberConfig>): boolean {
  const values = new Map<string, Set<string>>(pattern.map((c) => [c.key, new Set<string>()]));
  for (const m of have) {
    for (const [key, value] of Object.entries(m.tags)) values.get(key)?.add(value);
  }
  return pattern.every((c) => values.get(c.key)!.size >= c.minCount);
}

/** `host` → `host:27017`; lowercase host names as drivers compare them. */
export function normalizeHost(host: string): string {
  const trimmed = host.trim();
  const colon = trimmed.lastIndexOf(':');
  if (colon < 0) return `${trimmed.toLowerCase()}:27017`;
  const port = Number(trimmed.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw serverError('FailedToParse', `port number out of range in "${host}"`);
  return `${trimmed.slice(0, colon).toLowerCase()}:${port}`;
}

/**
 * The config as mongod's ReplSetConfig::toBSON writes it: what local.system.replset holds and what
 * heartbeats carry. `newlyAdded` comes after `arbiterOnly` (MemberConfig::toBSON); replSetGetConfig
 * leaves it out (`omitNewlyAdded`, toBSONWithoutNewlyAdded) unless asked for it.
 */
export function configToDocument(config: ReplSetConfig, options: { omitNewlyAdded?: boolean } = {}): Document {
  return {
    _id: config._id,
    version: config.version,
    term: config.term,
    members: config.members.map((m) => ({
      _id: m._id,
      host: m.host,
      arbiterOnly: m.arbiterOnly,
      ...(m.newlyAdded && !options.omitNewlyAdded ? { newlyAdded: true } : {}),
      buildIndexes: m.buildIndexes,
      hidden: m.hidden,
      priority: m.priority,
      tags: { ...m.tags },
      secondaryDelaySecs: m.secondaryDelaySecs,
      votes: m.votes,
    })),
    protocolVersion: config.protocolVersion,
    writeConcernMajorityJournalDefault: config.writeConcernMajorityJournalDefault,
    settings: {
      chainingAllowed: config.settings.chainingAllowed,
      heartbeatIntervalMillis: config.settings.heartbeatIntervalMillis,
      heartbeatTimeoutSecs: config.settings.heartbeatTimeoutSecs,
      electionTimeoutMillis: config.settings.electionTimeoutMillis,
      catchUpTimeoutMillis: config.settings.catchUpTimeoutMillis,
      catchUpTakeoverDelayMillis: config.settings.catchUpTakeoverDelayMillis,
      getLastErrorModes: Object.fromEntries(Object.entries(config.settings.getLastErrorModes).map(([k, v]) => [k, { ...v }])),
      getLastErrorDefaults: { ...config.settings.getLastErrorDefaults },
      replicaSetId: config.settings.replicaSetId,
    },
  };
}

/**
 * member_config.h MemberConfig::isVoter: `votes` is 1 and the member is not newlyAdded. Everything
 * that counts votes (the majorities below, who is asked for a vote, `$configMajority`, the commit
 * point) counts these.
 */
export function isVoter(m: Pick<MemberConfig, 'votes' | 'newlyAdded'>): boolean {
  return m.votes > 0 && !m.newlyAdded;
}

/** member_config.h MemberConfig::getPriority: 0 while newlyAdded, else the configured priority. */
export function memberPriority(m: MemberConfig): number {
  return m.newlyAdded ? 0 : m.priority;
}

/** repl_set_config.cpp ReplSetConfig::_calculateMajorities' voters (getTotalVotingMembers). */
export function votingMembers(config: ReplSetConfig): MemberConfig[] {
  return config.members.filter(isVoter);
}

/** Voting members needed for an election (`_majorityVoteCount`). */
export function votingMajority(config: ReplSetConfig): number {
  return Math.floor(votingMembers(config).length / 2) + 1;
}

/** Voting data-bearing members (`_writableVotingMembersCount`). */
export function writableVotingMembersCount(config: ReplSetConfig): number {
  return votingMembers(config).filter((m) => !m.arbiterOnly).length;
}

/** Members that must have a write for `w: "majority"`: mongod's `_writeMajority`. */
export function writeMajority(config: ReplSetConfig): number {
  return Math.min(votingMajority(config), writableVotingMembersCount(config));
}

export function isElectableMember(m: MemberConfig): boolean {
  return memberPriority(m) > 0 && isVoter(m) && !m.arbiterOnly && !m.hidden;
}

/** (version, term) ordering of configs; a term of -1 compares by version only. */
export function compareConfigVersion(aVersion: number, aTerm: number, bVersion: number, bTerm: number): number {
  if (aTerm !== -1 && bTerm !== -1 && aTerm !== bTerm) return aTerm < bTerm ? -1 : 1;
  if (aVersion !== bVersion) return aVersion < bVersion ? -1 : 1;
  return 0;
}

export function cloneConfig(config: ReplSetConfig): ReplSetConfig {
  return {
    ...config,
    members: config.members.map((m) => ({ ...m, tags: { ...m.tags } })),
    settings: { ...config.settings, getLastErrorModes: Object.fromEntries(Object.entries(config.settings.getLastErrorModes).map(([k, v]) => [k, { ...v }])), getLastErrorDefaults: { ...config.settings.getLastErrorDefaults } },
  };
}

/** How the journal (storage/journal.ts) stores a config: its document form, parsed back on load. */
export const replSetConfigCodec: ConfigCodec<ReplSetConfig> = {
  toDocument: configToDocument,
  fromDocument(doc: Document): ReplSetConfig {
    const settings = (doc.settings ?? {}) as Document;
    const id = settings.replicaSetId instanceof ObjectId ? settings.replicaSetId : new ObjectId('000000000000000000000000');
    return parseConfig(doc, id);
  },
};
