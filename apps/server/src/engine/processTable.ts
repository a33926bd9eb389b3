import type { Document } from 'bson';
import { formatLogLine } from '@rslab/sim';
import type { MemberStateName } from '@rslab/protocol';
import type { MongodOptions } from '../mongod/flags';
import { EngineCommandError, type EngineProcess } from './engine';

/** What every engine keeps per process for `logs`: its lines, and who follows them. */
export interface ProcessLog {
  log: string[];
  followers: Set<(line: string) => void>;
}

/** PIDs as a small Linux box hands them out: increasing, never reused within a sandbox. */
export class ProcessTable<Extra extends ProcessLog & { options: MongodOptions }> {
  private readonly byPid = new Map<number, EngineProcess & { extra: Extra }>();
  private nextPid: number;

  constructor(firstPid: number) {
    this.nextPid = firstPid;
  }

  add(process: Omit<EngineProcess, 'pid'>, extra: Extra): EngineProcess & { extra: Extra } {
    const entry = { ...process, pid: this.nextPid, extra };
    this.nextPid += 1 + (this.nextPid % 7 === 0 ? 3 : 0); // other processes take PIDs too
    this.byPid.set(entry.pid, entry);
    return entry;
  }

  get(pid: number): (EngineProcess & { extra: Extra }) | undefined {
    return this.byPid.get(pid);
  }

  /** The running process on `port`, if any. */
  onPort(port: number): (EngineProcess & { extra: Extra }) | undefined {
    return [...this.byPid.values()].find((p) => p.running && p.port === port);
  }

  /** The latest process for `address`, running or not. */
  latest(address: string): (EngineProcess & { extra: Extra }) | undefined {
    return [...this.byPid.values()].filter((p) => p.address === address).at(-1);
  }

  /**
   * `restart` as both engines do it: the last process on `address` started again with its own
   * options; one still running is left as it is.
   */
  async restart(address: string, start: (options: MongodOptions) => Promise<EngineProcess>): Promise<EngineProcess> {
    const last = this.latest(address);
    if (!last) throw new EngineCommandError(`lab: no mongod has run on ${address} yet\n`, 1);
    if (last.running) return publicView(last);
    return start(last.extra.options);
  }

  /** Forget every process (they must have exited); PIDs go on from where they were. */
  clear(): void {
    if (this.running().length > 0) throw new Error('ProcessTable.clear: processes are still running');
    this.byPid.clear();
  }

  all(): Array<EngineProcess & { extra: Extra }> {
    return [...this.byPid.values()];
  }

  running(): Array<EngineProcess & { extra: Extra }> {
    return this.all().filter((p) => p.running);
  }

  /** Every process as `ps` and the checks see it (copies: callers cannot change the table). */
  views(): EngineProcess[] {
    return this.all().map(publicView);
  }

  logLines(pid: number): string[] | null {
    return this.get(pid)?.extra.log.slice() ?? null;
  }

  followLog(pid: number, listener: (line: string) => void): () => void {
    const followers = this.get(pid)?.extra.followers;
    if (!followers) return () => undefined;
    followers.add(listener);
    return () => followers.delete(listener);
  }
}

/** A newly started process as the table records it, from the options it was started with. */
export function startedProcess(address: string, options: MongodOptions, startedAt: number): Omit<EngineProcess, 'pid'> {
  return {
    address,
    port: options.port,
    dbpath: options.dbpath,
    replSetName: options.replSet,
    seeds: options.seeds.map((s) => `${s.host}:${s.port}`),
    argv: ['mongod', ...options.argv],
    startedAt,
    running: true,
    killed: null,
  };
}

export function publicView(proc: EngineProcess): EngineProcess {
  return {
    pid: proc.pid,
    address: proc.address,
    port: proc.port,
    dbpath: proc.dbpath,
    replSetName: proc.replSetName,
    seeds: [...proc.seeds],
    argv: [...proc.argv],
    startedAt: proc.startedAt,
    running: proc.running,
    killed: proc.killed ? { ...proc.killed } : null,
  };
}

const knownStates = new Set<MemberStateName>(['STARTUP', 'STARTUP2', 'PRIMARY', 'SECONDARY', 'RECOVERING', 'ROLLBACK', 'ARBITER', 'DOWN', 'REMOVED', 'UNKNOWN']);

/** A member state as MongoDB spells it (`stateStr`), or UNKNOWN for anything else. */
export function toStateName(name: unknown): MemberStateName {
  const upper = String(name).toUpperCase() as MemberStateName;
  return knownStates.has(upper) ? upper : 'UNKNOWN';
}

function startupLine(now: number, s: 'I' | 'E', c: string, id: number, msg: string, attr: Document): string {
  return formatLogLine(now, { s, c, id, ctx: 'initandlisten', msg, attr });
}

/** mongod's own lines when its port is taken (the learner's port); it exits 48. */
export function addressInUse(now: number, port: number): EngineCommandError {
  const lines = [
    startupLine(now, 'E', 'NETWORK', 23024, 'Failed to set up listener', { error: { code: 9001, codeName: 'SocketException', errmsg: 'Address already in use' }, port }),
    startupLine(now, 'I', 'CONTROL', 23138, 'Shutting down', { exitCode: 48 }),
  ];
  return new EngineCommandError(`${lines.join('\n')}\n`, 48);
}

/** mongod's lines when another mongod of the sandbox holds the dbpath's lock; it exits 100. */
export function dbpathInUse(now: number, dbpath: string): EngineCommandError {
  const message = `Unable to lock the lock file: ${dbpath}/mongod.lock (Resource temporarily unavailable). Another mongod instance is already running on the ${dbpath} directory`;
  const lines = [
    startupLine(now, 'E', 'STORAGE', 20557, 'DBException in initAndListen, terminating', { error: `DBPathInUse: ${message}` }),
    startupLine(now, 'I', 'CONTROL', 23138, 'Shutting down', { exitCode: 100 }),
  ];
  return new EngineCommandError(`${lines.join('\n')}\n`, 100);
}
