import type { Document } from 'bson';
import type { MemberView } from '@rslab/protocol';
import type { LabView, ProcessView } from '../../src/lessons/view';

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
    running: true,
    startedAt: 0,
    killed: null,
    ...overrides,
  };
}

export function view(overrides: Partial<LabView> & { data?: Record<string, Record<string, Document[]>> } = {}): LabView {
  const { data = {}, ...rest } = overrides;
  return {
    hostname: 'morton.local',
    now: 0,
    processes: [],
    cluster: { at: 0, speed: 1, paused: false, setName: null, members: [], links: [] },
    shellHistory: [],
    clients: [],
    events: [],
    partitions: [],
    documents: async (host, ns) => data[host]?.[ns] ?? null,
    rolledBack: () => [],
    ...rest,
  };
}
