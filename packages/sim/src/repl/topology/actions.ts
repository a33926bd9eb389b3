import type { Document } from 'bson';
import type { OpTime } from '../../base/optime';
import type { LogLine } from '../../log/ids';
import type { OplogEntry } from '../../storage/oplog';
import type { RollbackFile } from '../../storage/replState';
import type { ReplEventBody } from '../events';
import type { LogSeverity } from '../parameters';

/**
 * What a decision of the topology core asks the coordinator to do. A decision changes the core's
 * state and returns these, in the order they are to happen; it never waits and never does I/O
 * itself (the shape of etcd raft's `Ready`: messages to send, state to persist, things to apply).
 */
export type Action =
  /** Report a protocol event (timeline, tests, the simulator's invariant checks). */
  | { kind: 'emit'; event: ReplEventBody }
  /** Write a structured log line. */
  | { kind: 'log'; severity: LogSeverity; component: string; line: LogLine; attr: Document | undefined }
  /** `term`, `lastVote` or `config` changed: make it durable before anything else is answered. */
  | { kind: 'persistReplState'; what: 'term' | 'vote' | 'config' | 'initialData' | 'initialSync' | 'oplogSize' }
  /** Entries were appended to the oplog: written here (`fromSyncSource` false) or fetched. */
  | { kind: 'persistOplog'; entries: readonly OplogEntry[]; fromSyncSource: boolean }
  /** A rollback cut the oplog after `commonPoint`. */
  | { kind: 'persistRollback'; commonPoint: OpTime; file: RollbackFile }
  /** The topology version moved: wake awaitable hellos. */
  | { kind: 'topologyChanged' }
  /** The oplog grew: wake tailing getMores. `rolledBack`: it was cut too, so cursors past the cut die. */
  | { kind: 'oplogChanged'; rolledBack: boolean }
  /** The commit point advanced: tailing oplog getMores answer early with it. */
  | { kind: 'commitPointChanged' }
  /** Arm one of the core's timers (re-arming replaces it); when it fires the coordinator steps `timerFired`. */
  | { kind: 'setTimer'; timer: TimerName; delayMillis: number }
  | { kind: 'cancelTimer'; timer: TimerName }
  /** Stand for election once the current task is done (a one-member set, an unfreeze). */
  | { kind: 'electSoon'; reason: string; skipDryRun: boolean }
  /** Send `round.command` to every voter of the round (voteRequester.ts) and step the replies in. */
  | { kind: 'requestVotes'; round: VoteRound }
  /** An election this member ran is over (`replSetStepUp` waits for it). */
  | { kind: 'electionFinished'; candidacy: Candidacy; won: boolean }
  /** Send the next heartbeat to `host` after `delayMillis` (replacing any scheduled one). */
  | { kind: 'scheduleHeartbeat'; host: string; delayMillis: number }
  /** `host` left the config: no more heartbeats to it, and a reply in flight is dropped. */
  | { kind: 'forgetMember'; host: string }
  /** Ask `host` for its newer config (a heartbeat of our own, answered with its config). */
  | { kind: 'fetchConfig'; from: string }
  /** Start (if not running) or stop the oplog fetcher. */
  | { kind: 'startFetcher' }
  | { kind: 'stopFetcher' }
  /** Tell the sync source where this member is (replSetUpdatePosition), soon. */
  | { kind: 'reportPosition' }
  /** The commit point or a member's position moved: release the write-concern waits now satisfied. */
  | { kind: 'checkWriteConcern' }
  /** Fail every write-concern wait with this `writeConcernError`. */
  | { kind: 'failWriteConcern'; error: Document }
  /** Run the automatic reconfig that removes member `memberId`'s newlyAdded mark from config {version, term}. */
  | { kind: 'removeNewlyAdded'; memberId: number; version: number; term: number }
  /** Hand the election to `to` after a step-down (replSetStepUp with skipDryRun). */
  | { kind: 'requestStepUp'; to: string }
  /**
   * An invariant failed (logged just before): the process aborts, as mongod's invariant() calls
   * std::abort — the member stops at once, as after kill -9. Nothing after it in the list runs.
   */
  | { kind: 'abort'; reason: string };

export type ActionKind = Action['kind'];

/** The core's own timers; each is armed at most once at a time. */
export type TimerName = 'election' | 'priorityTakeover' | 'catchUpTakeover' | 'catchUp' | 'liveness' | 'noop';

/** One election this member runs: a dry run (unless skipped), then the real one at term+1. */
export interface Candidacy {
  readonly reason: string;
  readonly skipDryRun: boolean;
}

/** One round of replSetRequestVotes, dry or real, and its tally (kept by the core). */
export interface VoteRound {
  readonly candidacy: Candidacy;
  readonly term: number;
  readonly dryRun: boolean;
  readonly command: Document;
  /** Voters to ask (every voting member but this one). */
  readonly voters: readonly string[];
  /** Timeout of each request. */
  readonly timeoutMillis: number;
  readonly needed: number;
  granted: number;
  pending: number;
  /** Set once the round is decided: replies after that are ignored. */
  outcome: 'won' | 'lost' | undefined;
}
