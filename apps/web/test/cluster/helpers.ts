import type { MemberView } from '@rslab/protocol';

export function member(host: string, overrides: Partial<MemberView> = {}): MemberView {
  return {
    host,
    pid: 4000,
    process: 'running',
    state: 'SECONDARY',
    term: 1,
    optime: { ts: 1700000000, i: 1, t: 1 },
    lagMillis: 0,
    syncSource: null,
    votes: 1,
    priority: 1,
    hidden: false,
    arbiterOnly: false,
    heartbeats: {},
    electionDeadlineAt: null,
    electionTimeoutMillis: 10_000,
    ...overrides,
  };
}
