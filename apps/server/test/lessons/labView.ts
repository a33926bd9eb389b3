import type { Document } from 'bson';
import type { MemberView } from '@rslab/protocol';
import { checkView, type CheckView } from '../../src/lessons/scope';
import { originMark, type LabMark, type LabView, type PartitionView, type ProcessView, type ShellRecord } from '../../src/lessons/view';

/** Build lesson views by hand: a small, readable stand-in for a sandbox. */
export function member(host: string, state: MemberView['state'], term = 1): MemberView {
  return {
    host,
    pid: null,
    process: 'running',
    state,
    term,
    optime: null,
    lagMillis: null,
    syncSource: null,
    votes: 1,
    priority: 1,
    hidden: false,
    arbiterOnly: false,
    heartbeats: {},
    electionDeadlineAt: null,
    electionTimeoutMillis: 10_000,
  };
}

export function proc(port: number, overrides: Partial<ProcessView> = {}): ProcessView {
  return {
    pid: 1000 + port,
    address: `morton.local:${port}`,
    port,
    replSetName: 'foo',
    seeds: [],
    argv: ['mongod', '--port', String(port)],
    running: true,
    startedAt: 0,
    killed: null,
    ...overrides,
  };
}

/** A mark made by hand: `seq` and `eventId` as given, and the PIDs and clients that existed then. */
export function mark(overrides: Partial<LabMark> = {}): LabMark {
  return { ...originMark, at: 0, ...overrides };
}

type LooseRecord = Omit<ShellRecord, 'seq'> & { seq?: number };
type LoosePartition = Omit<PartitionView, 'seq'> & { seq?: number };

export interface ViewOverrides extends Partial<Omit<LabView, 'shellHistory' | 'partitions'>> {
  data?: Record<string, Record<string, Document[]>>;
  config?: Document | null;
  shellHistory?: LooseRecord[];
  partitions?: LoosePartition[];
  /** Where the lesson and the step began (default: before everything). */
  lessonMark?: LabMark;
  stepMark?: LabMark;
}

/** Records and partitions without a `seq` get their place in the list (from 1). */
export function labView(overrides: ViewOverrides = {}): LabView {
  const { data = {}, config = null, shellHistory = [], partitions = [], lessonMark: _l, stepMark: _s, ...rest } = overrides;
  return {
    hostname: 'morton.local',
    now: 0,
    mark: mark(),
    processes: [],
    cluster: { at: 0, speed: 1, paused: false, setName: null, members: [], links: [] },
    shellHistory: shellHistory.map((r, i) => ({ ...r, seq: r.seq ?? i + 1 })),
    clients: [],
    events: [],
    partitions: partitions.map((p, i) => ({ ...p, seq: p.seq ?? 100 + i })),
    documents: async (host, ns) => data[host]?.[ns] ?? null,
    replSetConfig: async () => config,
    rolledBack: () => [],
    ...rest,
  };
}

/** The view a check reads, scoped by the given marks (everything counts by default). */
export function view(overrides: ViewOverrides = {}): CheckView {
  return checkView(labView(overrides), overrides.lessonMark ?? originMark, overrides.stepMark ?? originMark);
}
