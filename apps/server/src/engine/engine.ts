import type { Document } from 'bson';
import type { ClusterSnapshot, MemberStateName } from '@rslab/protocol';
import type { DriverRoute } from '../driver/gateway';
import type { MongodOptions } from '../mongod/flags';
import type { EventLog } from '../timeline/eventLog';

/** One `mongod` a learner started, as `ps` and the lesson checks see it. */
export interface EngineProcess {
  pid: number;
  /** `host:port` the member answers to. */
  address: string;
  port: number;
  dbpath: string;
  replSetName: string | null;
  seeds: string[];
  argv: string[];
  startedAt: number;
  running: boolean;
  killed: { at: number; signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT'; stateThen: MemberStateName; termThen: number } | null;
}

/** A start or signal that failed the way mongod or kill would: the text to print and the exit code. */
export class EngineCommandError extends Error {
  override readonly name = 'EngineCommandError';
  constructor(
    readonly output: string,
    readonly exitCode: number,
  ) {
    super(output.trim().split('\n').at(-1) ?? output);
  }
}

export interface EngineLimits {
  /** Members a sandbox may run at once. */
  membersMax: number;
  /** Voting members allowed in a config (MongoDB's own limit is 7). */
  votingMembersMax: number;
  /** Log lines kept per process. */
  logLinesMax: number;
}

export const defaultEngineLimits: EngineLimits = { membersMax: 12, votingMembersMax: 7, logLinesMax: 2000 };

export type Signal = 'SIGTERM' | 'SIGKILL' | 'SIGINT';

export interface EngineClock {
  now(): number;
  readonly speed: number;
  readonly paused: boolean;
  setSpeed(speed: number): void;
  pause(): void;
  resume(): void;
}

/** How a sandbox runs its members: simulated in-process (`sim`) or real processes (`mongod`). */
export interface Engine {
  readonly kind: 'sim' | 'mongod';
  readonly clock: EngineClock;
  /** What the driver needs to reach this sandbox's members. */
  readonly route: DriverRoute;
  start(options: MongodOptions): Promise<EngineProcess>;
  /** Restart a stopped member with the options it last ran with. */
  restart(address: string): Promise<EngineProcess>;
  signal(pid: number, signal: Signal): Promise<boolean>;
  processes(): EngineProcess[];
  /** A process's log lines (mongod's JSON), and a way to follow new ones. */
  logLines(pid: number): Promise<string[] | null>;
  followLog(pid: number, listener: (line: string) => void): () => void;
  snapshot(): Promise<ClusterSnapshot>;
  /** A member's documents in `ns`, read directly (not through the driver). Null if it is not running. */
  documents(address: string, ns: string): Promise<Document[] | null>;
  rolledBack(address: string): Array<{ ns: string; document: Document }>;
  /** Network faults between members. */
  partition(groups: string[][]): void;
  heal(): void;
  cut(a: string, b: string): void;
  healLink(a: string, b: string): void;
  slow(a: string, b: string, delayMillis: number): void;
  /**
   * An empty machine, as a new lesson starts on: every running member killed, every process and
   * data directory forgotten, the network healed. PIDs keep counting up. Returns how many ran.
   */
  clear(): Promise<number>;
  /** Run a command on a member directly, as the cluster view's buttons do. */
  command(address: string, command: Document): Promise<Document>;
  dispose(): Promise<void>;
}

/** Told of a failure in an engine with nobody waiting on it (closing a client or a listener). */
export type EngineErrorReporter = (error: unknown, what: string) => void;

/** Report `error` to the engine's `onError`, or, without one, as a line on the sandbox's timeline. */
export function reportEngineError(options: { onError?: EngineErrorReporter; events: EventLog }, error: unknown, what: string): void {
  if (options.onError) {
    options.onError(error, what);
    return;
  }
  options.events.add({ source: 'cluster', kind: 'labError', text: `lab: ${what}: ${error instanceof Error ? error.message : String(error)}` });
}
