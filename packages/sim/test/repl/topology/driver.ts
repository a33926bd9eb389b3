import { Long, ObjectId, Timestamp } from 'bson';
import type { Document } from 'bson';
import { opTimeFromBson, packTs, tsInc, tsSecs } from '../../../src/base/optime';
import type { OpTime } from '../../../src/base/optime';
import { Random } from '../../../src/random/random';
import { parseConfig } from '../../../src/repl/config';
import { DEFAULT_REPL_PARAMETERS } from '../../../src/repl/parameters';
import { newPersistedReplState } from '../../../src/repl/persisted';
import { ensureLocalUuids } from '../../../src/storage/replState';
import type { PersistedReplState } from '../../../src/repl/persisted';
import { MemberState, stateName } from '../../../src/repl/state';
import type { MemberStateName } from '../../../src/repl/state';
import type { Action, Candidacy, TimerName, VoteRound } from '../../../src/repl/topology/actions';
import { Topology } from '../../../src/repl/topology/topology';
import type { OplogEntry } from '../../../src/storage/oplog';

/**
 * Drives one member's topology core from a script, etcd raft's datadriven way: each command is an
 * event (a heartbeat reply, a timer firing, a vote request...) stepped into the core, and its
 * output is the actions the core handed back, one a line. Nothing runs by itself here: no clock
 * moves unless `tick` says so, no timer fires unless `fire` says so, no request is sent —
 * the script plays the coordinator and the other members.
 *
 *   start self=n0 members=3 [term=1] [vote=1:2] [oplog=100.1/1,101.1/1] [priority=n2:0,...]
 *         [votes=n2:0] [arbiter=n2] [hidden=n2] [delay=n2:60] [no-indexes=n2] [version=1] [config-term=1]
 *         [setting=value...]
 *   start self=n0 uninitiated                  a member started with --replSet and no config
 *   tick 1500                                   move the clock (ms)
 *   fire election|priorityTakeover|catchUpTakeover|catchUp|liveness|noop
 *   send-heartbeat to=n1                        the heartbeat the core sends n1 now (its timeout shrinks with retries)
 *   heartbeat-reply from=n1 state=SECONDARY term=1 applied=100.1/1 [durable=] [ping=5]
 *         [sync=n2] [commit=100.1/1] [config-version=2 config-term=1 [config-members=2]]   (a newer config, n0..)
 *   heartbeat-failed from=n1 [error=text] [reply]
 *   heartbeat from=n1 term=1 [version=1] [config-term=1] [check-empty]   a member's heartbeat to us: reply and actions
 *   config-fetched from=n0 members=3 [version=1] [config-term=0] [term=0]  the answer to our config fetch
 *   request-votes from=n1 term=2 last=100.1/1 [dry-run] [set=rs0] [version=1] [config-term=1]
 *   elect [reason=text] [skip-dry-run]
 *   vote-reply round=1 from=n1 granted|refused [term=N (default: ours)] [reason=text]
 *   vote-failed round=1 from=n1 [error=text]
 *   vote-complete round=1                       the round's requests are settled: its result goes on
 *   log-ops n=1                                 a primary's writes (inserts into test.c)
 *   check-writes [db=test]                      whether a write is taken now (NotWritablePrimary otherwise)
 *   update-position from=n1 applied=100.1/1 [durable=100.1/1] [term=1]
 *   applied entries=102.1/1,103.1/1 [caught-up]   entries fetched and applied by storage
 *   initial-sync-cloned from=n0 begin=100.1/1   the initial sync's clone is done; `begin` starts our oplog
 *   sync-source to=n0                           the fetcher took n0 (`-`: none) as its sync source
 *   position                                    the replSetUpdatePosition we would send our sync source now
 *   choose-sync-source
 *   sync-from target=n1                         replSetSyncFrom: its reply, or its error
 *   should-change source=n1 [primary] [sync-index=-1] [visible=100.1/1] [before=100.1/1]
 *                                               after a batch with this $replData (`before`: our optime before it)
 *   denylist host=n1
 *   step-down-begin secs=60 catch-up=10 | step-down-complete [target=n1] secs=60 [force] | step-down-end
 *   freeze secs=30
 *   state                                       the core's state and what it knows of the others
 *
 * Hosts are `nI:27017`, printed `nI`; optimes are printed `secs.inc/term`. The clock starts at
 * 1,000,000 ms (second 1000), so this member's own writes have timestamps 1000.x.
 */

const PORT = 27017;
const START_MILLIS = 1_000_000;
const REPLICA_SET_ID = ObjectId.createFromHexString('65a000000000000000000001');

export class ScriptFailure extends Error {
  override readonly name = 'ScriptFailure';
}

function host(name: string): string {
  return name.includes(':') ? name : `${name}:${PORT}`;
}

function short(h: string | null | undefined): string {
  if (h === null || h === undefined || h === '') return '-';
  return h.endsWith(`:${PORT}`) ? h.slice(0, -`:${PORT}`.length) : h;
}

/** `100.1/1` → {ts: (100, 1), t: 1}; `100/1` means increment 1. */
export function parseOpTime(text: string): OpTime {
  const m = /^(\d+)(?:\.(\d+))?\/(-?\d+)$/.exec(text);
  if (!m) throw new ScriptFailure(`bad optime "${text}" (use secs.inc/term, e.g. 100.1/1)`);
  return { ts: packTs(Number(m[1]), Number(m[2] ?? 1)), t: Number(m[3]) };
}

export function formatOpTime(o: OpTime): string {
  if (o.ts === 0 && o.t === -1) return 'null';
  return `${tsSecs(o.ts)}.${tsInc(o.ts)}/${o.t}`;
}

function opTimeDoc(o: OpTime): Document {
  return { ts: new Timestamp({ t: tsSecs(o.ts), i: tsInc(o.ts) }), t: Long.fromNumber(o.t) };
}

interface Command {
  name: string;
  args: Map<string, string>;
  flags: Set<string>;
}

export function parseCommand(line: string): Command {
  const words = line.trim().split(/\s+/);
  const name = words.shift() ?? '';
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) args.set(w.slice(0, eq), w.slice(eq + 1).replaceAll('_', ' '));
    else flags.add(w);
  }
  return { name, args, flags };
}

function need(cmd: Command, key: string): string {
  const v = cmd.args.get(key);
  if (v === undefined) throw new ScriptFailure(`${cmd.name}: missing ${key}=`);
  return v;
}

function num(cmd: Command, key: string, fallback?: number): number {
  const v = cmd.args.get(key);
  if (v === undefined) {
    if (fallback === undefined) throw new ScriptFailure(`${cmd.name}: missing ${key}=`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ScriptFailure(`${cmd.name}: ${key}=${v} is not a number`);
  return n;
}

/** `n2:0,n3:2` → {n2: 0, n3: 2}. */
function perMember(cmd: Command, key: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (cmd.args.get(key) ?? '').split(',').filter((p) => p !== '')) {
    const [name, value] = part.split(':');
    out.set(name!, value ?? 'true');
  }
  return out;
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v.includes(' ') ? JSON.stringify(v) : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A config document of members n0..n(count-1), with the command's priority=, votes=, arbiter= and settings. */
function configDocument(cmd: Command, count: number, version: number): Document {
  const priority = perMember(cmd, 'priority');
  const votes = perMember(cmd, 'votes');
  const arbiters = perMember(cmd, 'arbiter');
  const hidden = perMember(cmd, 'hidden');
  const delays = perMember(cmd, 'delay');
  const noIndexes = perMember(cmd, 'no-indexes');
  const settings: Document = { replicaSetId: REPLICA_SET_ID };
  for (const key of ['electionTimeoutMillis', 'heartbeatIntervalMillis', 'heartbeatTimeoutSecs', 'catchUpTimeoutMillis', 'catchUpTakeoverDelayMillis', 'chainingAllowed']) {
    const v = cmd.args.get(key);
    if (v !== undefined) settings[key] = v === 'true' || v === 'false' ? v === 'true' : Number(v);
  }
  const members = Array.from({ length: count }, (_, i) => {
    const name = `n${i}`;
    const m: Document = { _id: i, host: host(name) };
    if (priority.has(name)) m.priority = Number(priority.get(name));
    if (votes.has(name)) m.votes = Number(votes.get(name));
    if (arbiters.has(name)) m.arbiterOnly = true;
    if (hidden.has(name)) m.hidden = true;
    if (delays.has(name)) m.secondaryDelaySecs = Number(delays.get(name));
    if (noIndexes.has(name)) m.buildIndexes = false;
    return m;
  });
  return { _id: 'rs0', version, members, settings };
}

/** One action as a line of script output. */
export function renderAction(action: Action, rounds: Map<VoteRound, number>): string {
  switch (action.kind) {
    case 'emit': {
      const { type, ...rest } = action.event;
      const fields = Object.entries(rest).map(([k, v]) => {
        if (k === 'opTime' || k === 'commonPoint') return `${k}=${formatOpTime(v as OpTime)}`;
        if (k === 'undone') return `${k}=${(v as OpTime[]).map(formatOpTime).join(',')}`;
        if (k === 'documents') return `${k}=${(v as unknown[]).length}`;
        if (typeof v === 'string' && (k === 'to' || k === 'from' || k === 'member' || k === 'candidate' || k === 'syncSource')) return `${k}=${short(v)}`;
        if (v === null) return `${k}=-`;
        return `${k}=${scalar(v) ?? JSON.stringify(v)}`;
      });
      return ['emit', type, ...fields].join(' ');
    }
    case 'log': {
      const attrs = Object.entries(action.attr ?? {})
        .map(([k, v]) => [k, scalar(v)] as const)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${v!}`);
      return ['log', action.severity, action.component, JSON.stringify(action.line.msg), ...attrs].join(' ');
    }
    case 'persistReplState':
      return `persist ${action.what}`;
    case 'persistOplog':
      return `persist oplog ${action.entries.map(formatOpTime).join(',')}${action.fromSyncSource ? ' (fetched)' : ''}`;
    case 'persistRollback':
      return `persist rollback to ${formatOpTime(action.commonPoint)}`;
    case 'topologyChanged':
      return 'wake hello';
    case 'oplogChanged':
      return action.rolledBack ? 'oplog cut: drop cursors past it, wake getMore' : 'wake getMore';
    case 'commitPointChanged':
      return 'wake getMore (commit point)';
    case 'setTimer':
      return `timer ${action.timer} in ${action.delayMillis}ms`;
    case 'cancelTimer':
      return `cancel timer ${action.timer}`;
    case 'electSoon':
      return `elect soon: ${action.reason}${action.skipDryRun ? ' (skip dry run)' : ''}`;
    case 'requestVotes': {
      const r = action.round;
      return `request votes #${rounds.get(r)} term=${r.term}${r.dryRun ? ' dry-run' : ''} to ${r.voters.map(short).join(',') || '-'} needed=${r.needed} granted=${r.granted}${r.outcome ? ` (${r.outcome} already)` : ''}`;
    }
    case 'electionFinished':
      return `election finished: ${action.won ? 'won' : 'lost'}`;
    case 'scheduleHeartbeat':
      return `heartbeat ${short(action.host)} in ${action.delayMillis}ms`;
    case 'forgetMember':
      return `forget ${short(action.host)}`;
    case 'fetchConfig':
      return `fetch config from ${short(action.from)}`;
    case 'startFetcher':
      return 'start fetcher';
    case 'stopFetcher':
      return 'stop fetcher';
    case 'reportPosition':
      return 'report position';
    case 'checkWriteConcern':
      return 'check write concern';
    case 'failWriteConcern':
      return `fail write concern: ${String(action.error.codeName)}`;
    case 'requestStepUp':
      return `step up ${short(action.to)}`;
    case 'removeNewlyAdded':
      return `remove newlyAdded of member ${action.memberId} from config {version: ${action.version}, term: ${action.term}}`;
    case 'abort':
      return `abort: ${action.reason}`;
  }
}

/** One member's topology core and the script's view of it. */
export class Driver {
  private topology: Topology | undefined;
  private nowMillis = START_MILLIS;
  private actions: Action[] = [];
  private readonly rounds = new Map<VoteRound, number>();
  private readonly roundsById = new Map<number, VoteRound>();
  private persisted: PersistedReplState = newPersistedReplState();

  private get core(): Topology {
    if (!this.topology) throw new ScriptFailure('no member yet: `start` first');
    return this.topology;
  }

  /** Run one command; returns its output lines. */
  run(line: string): string[] {
    const cmd = parseCommand(line);
    this.actions = [];
    const out: string[] = [];
    const result = this.dispatch(cmd, out);
    for (const action of this.actions) {
      if (action.kind === 'requestVotes' && !this.rounds.has(action.round)) {
        const id = this.rounds.size + 1;
        this.rounds.set(action.round, id);
        this.roundsById.set(id, action.round);
      }
      out.push(renderAction(action, this.rounds));
    }
    if (result !== undefined) out.push(...result);
    return out.length > 0 ? out.map((l) => l.replaceAll(`:${PORT}`, '')) : ['ok'];
  }

  private round(cmd: Command): VoteRound {
    const id = num(cmd, 'round');
    const round = this.roundsById.get(id);
    if (!round) throw new ScriptFailure(`no vote round #${id}`);
    return round;
  }

  private dispatch(cmd: Command, out: string[]): string[] | undefined {
    switch (cmd.name) {
      case 'start':
        return this.start(cmd);
      case 'tick':
        this.nowMillis += num(cmd, 'ms', Number([...cmd.flags][0]));
        return [`now ${this.nowMillis - START_MILLIS}ms`];
      case 'fire': {
        const timer = [...cmd.flags][0] as TimerName;
        const started = this.core.timerFired(timer);
        return started ? [`(election started: ${started.reason})`] : undefined;
      }
      case 'send-heartbeat': {
        const request = this.core.prepareHeartbeat(host(need(cmd, 'to')));
        return [request ? `request term=${String(request.command.term)} configVersion=${String(request.command.configVersion)} timeout=${request.timeoutMillis}ms` : '(none)'];
      }
      case 'check-writes':
        this.core.checkCanAcceptWrites(cmd.args.get('db') ?? 'test');
        return ['writes accepted'];
      case 'heartbeat-reply':
        this.core.heartbeatReply(host(need(cmd, 'from')), this.heartbeatReplyDoc(cmd), this.nowMillis - num(cmd, 'ping', 0));
        return undefined;
      case 'heartbeat-failed':
        this.core.heartbeatFailed(host(need(cmd, 'from')), cmd.args.get('error') ?? 'connection refused', cmd.flags.has('reply') ? { ok: 0, errmsg: cmd.args.get('error') ?? 'failed' } : undefined);
        return undefined;
      case 'heartbeat': {
        const reply = this.core.receiveHeartbeat({
          replSetHeartbeat: cmd.args.get('set') ?? 'rs0',
          configVersion: num(cmd, 'version', 1),
          configTerm: num(cmd, 'config-term', 1),
          hbv: 1,
          from: host(need(cmd, 'from')),
          fromId: -1,
          term: num(cmd, 'term', 0),
          ...(cmd.flags.has('check-empty') ? { checkEmpty: true } : {}),
        });
        return [`reply ${renderHeartbeatReply(reply)}`];
      }
      case 'config-fetched': {
        const doc = configDocument(cmd, num(cmd, 'members', 3), num(cmd, 'version', 1));
        doc.term = num(cmd, 'config-term', 0);
        this.core.configFetched(host(need(cmd, 'from')), { ok: 1, config: doc, term: num(cmd, 'term', 0) });
        return undefined;
      }
      case 'request-votes': {
        const from = need(cmd, 'from');
        const reply = this.core.requestVotes({
          replSetRequestVotes: 1,
          setName: cmd.args.get('set') ?? 'rs0',
          dryRun: cmd.flags.has('dry-run'),
          term: Long.fromNumber(num(cmd, 'term')),
          candidateIndex: Number(from.replace(/^n/, '')),
          configVersion: num(cmd, 'version', 1),
          configTerm: num(cmd, 'config-term', 1),
          lastAppliedOpTime: opTimeDoc(parseOpTime(need(cmd, 'last'))),
        });
        return [`reply voteGranted=${String(reply.voteGranted)} term=${String(reply.term)}${reply.reason ? ` reason=${JSON.stringify(reply.reason)}` : ''}`];
      }
      case 'elect': {
        const started: Candidacy | undefined = this.core.startElection(cmd.args.get('reason') ?? 'test', cmd.flags.has('skip-dry-run'));
        return started ? undefined : ['(cannot stand)'];
      }
      case 'vote-reply': {
        const round = this.round(cmd);
        const granted = cmd.flags.has('granted');
        this.core.voteReply(round, host(need(cmd, 'from')), { term: Long.fromNumber(num(cmd, 'term', this.core.term)), voteGranted: granted, reason: cmd.args.get('reason') ?? '', ok: 1 });
        return [`round #${num(cmd, 'round')}: ${round.outcome ?? 'undecided'} (granted ${round.granted}, pending ${round.pending})`];
      }
      case 'vote-failed': {
        const round = this.round(cmd);
        this.core.voteFailed(round, host(need(cmd, 'from')), cmd.args.get('error') ?? 'connect ECONNREFUSED');
        return [`round #${num(cmd, 'round')}: ${round.outcome ?? 'undecided'} (granted ${round.granted}, pending ${round.pending})`];
      }
      case 'vote-complete':
        this.core.voteRoundComplete(this.round(cmd));
        return undefined;
      case 'log-ops': {
        const n = num(cmd, 'n', 1);
        const ops = Array.from({ length: n }, (_, i) => ({ op: 'i' as const, ns: 'test.c', o: { _id: i } }));
        return [`optime ${formatOpTime(this.core.logOps(ops))}`];
      }
      case 'update-position': {
        const from = need(cmd, 'from');
        const applied = parseOpTime(need(cmd, 'applied'));
        const durable = cmd.args.has('durable') ? parseOpTime(need(cmd, 'durable')) : applied;
        const reply = { optimes: [{ memberId: Number(from.replace(/^n/, '')), appliedOpTime: opTimeDoc(applied), durableOpTime: opTimeDoc(durable), cfgver: 1 }], $replData: { term: Long.fromNumber(num(cmd, 'term', this.core.term)) } };
        this.core.updatePosition({ replSetUpdatePosition: 1, ...reply });
        return undefined;
      }
      case 'applied': {
        const entries: OplogEntry[] = need(cmd, 'entries')
          .split(',')
          .map((t) => ({ ...parseOpTime(t), op: 'n' as const, ns: '', o: {}, wallMillis: this.nowMillis }));
        this.core.checkBatchOrder(entries);
        this.core.entriesApplied(entries, cmd.flags.has('caught-up'));
        return undefined;
      }
      case 'initial-sync-cloned': {
        const begin = parseOpTime(need(cmd, 'begin'));
        this.core.initialSyncCloned(host(need(cmd, 'from')), { ...begin, op: 'n', ns: '', o: {}, wallMillis: tsSecs(begin.ts) * 1000 }, {});
        return undefined;
      }
      case 'sync-source': {
        const to = need(cmd, 'to');
        this.core.setSyncSource(to === '-' ? null : host(to));
        return undefined;
      }
      case 'position': {
        const request = this.core.updatePositionCommand();
        if (!request) return ['position (none)'];
        const optimes = (request.command.optimes as Document[]).map((o) => `${String(o.memberId)}:${formatOpTime(opTimeFromBson(o.appliedOpTime))}`);
        return [`position to=${short(request.target)} ${optimes.join(' ')}`];
      }
      case 'choose-sync-source':
        return [`sync source ${short(this.core.chooseSyncSource())}`];
      case 'sync-from': {
        try {
          const reply = this.core.prepareSyncFrom(host(need(cmd, 'target')));
          return [`reply ${Object.entries(reply).map(([k, v]) => `${k}=${scalar(v) ?? ''}`).join(' ')}`];
        } catch (e) {
          const err = e as { codeName?: string; errmsg?: string };
          return [`error ${err.codeName ?? 'unknown'}: ${err.errmsg ?? String(e)}`];
        }
      }
      case 'should-change': {
        const data: Document = { isPrimary: cmd.flags.has('primary'), syncSourceIndex: num(cmd, 'sync-index', -1) };
        if (cmd.args.has('visible')) data.lastOpVisible = opTimeDoc(parseOpTime(need(cmd, 'visible')));
        const before = cmd.args.has('before') ? parseOpTime(need(cmd, 'before')) : undefined;
        return [`change ${String(this.core.shouldChangeSyncSource(host(need(cmd, 'source')), data, before))}`];
      }
      case 'denylist':
        this.core.denylistSyncSource(host(need(cmd, 'host')), 'test');
        return undefined;
      case 'step-down-begin':
        return [`deadline in ${this.core.beginStepDown(num(cmd, 'secs'), num(cmd, 'catch-up')) - this.nowMillis}ms`];
      case 'step-down-complete': {
        const target = cmd.args.get('target');
        this.core.completeStepDown(target === undefined ? undefined : host(target), num(cmd, 'secs'), cmd.flags.has('force'));
        return undefined;
      }
      case 'step-down-end':
        this.core.endStepDownAttempt();
        return undefined;
      case 'caught-up-electable':
        return [`target ${short(this.core.caughtUpElectable())}`];
      case 'freeze': {
        const reply = this.core.freeze(num(cmd, 'secs'));
        return [`reply ${Object.entries(reply).map(([k, v]) => `${k}=${scalar(v) ?? ''}`).join(' ')}`];
      }
      case 'state':
        return this.describe();
      default:
        void out;
        throw new ScriptFailure(`unknown command "${cmd.name}"`);
    }
  }

  private start(cmd: Command): string[] | undefined {
    const self = host(need(cmd, 'self'));
    this.persisted = newPersistedReplState();
    this.rounds.clear();
    this.roundsById.clear();
    if (!cmd.flags.has('uninitiated')) {
      const config = parseConfig(configDocument(cmd, num(cmd, 'members', 3), num(cmd, 'version', 1)), REPLICA_SET_ID);
      config.term = num(cmd, 'config-term', 1);
      this.persisted.config = config;
      // A member restarting with a config has its local collections, and their UUIDs, already.
      ensureLocalUuids(this.persisted, self);
    }
    this.persisted.term = num(cmd, 'term', this.persisted.config ? 1 : 0);
    const vote = cmd.args.get('vote');
    if (vote) {
      const [t, c] = vote.split(':');
      this.persisted.lastVote = { term: Number(t), candidateIndex: Number(c) };
    }
    for (const text of (cmd.args.get('oplog') ?? '').split(',').filter((t) => t !== '')) {
      this.persisted.oplog.append({ ...parseOpTime(text), op: 'n', ns: '', o: {}, wallMillis: tsSecs(parseOpTime(text).ts) * 1000 });
    }
    this.topology = new Topology(
      {
        self,
        replSetName: 'rs0',
        persisted: this.persisted,
        params: DEFAULT_REPL_PARAMETERS,
        env: { now: () => this.nowMillis, random: new Random(num(cmd, 'seed', 1)) },
      },
      (actions) => this.actions.push(...actions),
    );
    this.topology.start();
    return undefined;
  }

  private heartbeatReplyDoc(cmd: Command): Document {
    const applied = parseOpTime(cmd.args.get('applied') ?? '100.1/1');
    const durable = cmd.args.has('durable') ? parseOpTime(need(cmd, 'durable')) : applied;
    const state = cmd.args.get('state') ?? 'SECONDARY';
    const theirTerm = num(cmd, 'term', this.core.term);
    const reply: Document = {
      ok: 1,
      set: 'rs0',
      state: MemberState[state as MemberStateName],
      term: theirTerm,
      configVersion: num(cmd, 'config-version', this.core.config?.version ?? 1),
      configTerm: num(cmd, 'config-term', this.core.config?.term ?? 1),
      syncingTo: cmd.args.has('sync') ? host(need(cmd, 'sync')) : '',
      opTime: opTimeDoc(applied),
      durableOpTime: opTimeDoc(durable),
      $replData: {
        term: Long.fromNumber(theirTerm),
        lastOpCommitted: opTimeDoc(cmd.args.has('commit') ? parseOpTime(need(cmd, 'commit')) : { ts: 0, t: -1 }),
        primaryIndex: state === 'PRIMARY' ? Number(need(cmd, 'from').replace(/^n/, '')) : -1,
        isPrimary: state === 'PRIMARY',
      },
    };
    if (state === 'PRIMARY') reply.electionTime = new Timestamp({ t: 1000, i: 1 });
    if (cmd.args.has('config-members')) {
      const doc = configDocument(cmd, num(cmd, 'config-members'), num(cmd, 'config-version'));
      doc.term = num(cmd, 'config-term', this.core.config?.term ?? 1);
      reply.config = doc;
    }
    return reply;
  }

  private describe(): string[] {
    const t = this.core;
    const lines = [
      `state ${t.state} term ${t.term} vote ${t.persisted.lastVote.term}:${t.persisted.lastVote.candidateIndex} config ${t.config ? `${t.config.version}/${t.config.term}` : '-'}`,
      `applied ${formatOpTime(t.lastApplied)} commit ${formatOpTime(t.commitPoint)} sync ${short(t.syncSource)} writable ${String(t.isWritablePrimary)} catching-up ${String(t.isCatchingUp)}`,
      `election timer ${t.electionTimeoutDueMillis === undefined ? 'off' : `due in ${t.electionTimeoutDueMillis - this.nowMillis}ms`} frozen ${t.frozenUntil > this.nowMillis ? `${t.frozenUntil - this.nowMillis}ms` : 'no'} primary ${short(t.primaryHost)}`,
    ];
    for (const m of t.config?.members ?? []) {
      if (t.isSelf(m.host)) continue;
      const v = t.memberView(m.host);
      if (v) lines.push(`  ${short(m.host)} health=${v.health} state=${v.state} applied=${formatOpTime(v.applied)}`);
    }
    return lines;
  }
}

function renderHeartbeatReply(reply: Document): string {
  const parts = [`state=${stateName(Number(reply.state))}`, `term=${String(reply.term)}`, `set=${String(reply.set) || '-'}`, `configVersion=${String(reply.configVersion)}`];
  if (reply.opTime) parts.push(`opTime=${formatOpTime(opTimeFromBson(reply.opTime))}`);
  if (reply.syncingTo) parts.push(`syncingTo=${short(String(reply.syncingTo))}`);
  if (reply.electable !== undefined) parts.push(`electable=${String(reply.electable)}`);
  if (reply.config) parts.push(`config=v${String((reply.config as Document).version)}`);
  return parts.join(' ');
}
