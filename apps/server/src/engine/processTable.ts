import type { EngineProcess } from './engine';

/** PIDs as a small Linux box hands them out: increasing, never reused within a sandbox. */
export class ProcessTable<Extra> {
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

  all(): Array<EngineProcess & { extra: Extra }> {
    return [...this.byPid.values()];
  }

  running(): Array<EngineProcess & { extra: Extra }> {
    return this.all().filter((p) => p.running);
  }
}
