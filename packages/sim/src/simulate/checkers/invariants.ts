/**
 * Protocol invariants watched while a run goes (not over a history): at most one primary per term
 * (Raft's Election Safety), terms never go down on a member, every member's majority-committed
 * oplog is a prefix of one committed log (Log Matching / State Machine Safety), no committed entry
 * is rolled back, and, once healed, the set converges with the same data everywhere.
 */
import { compareOpTime, opTimeKey } from '../../base/optime';
import type { Cluster } from '../../harness/cluster';
import type { MemberEvent } from '../../repl/events';
import { resultOf } from './result';
import type { CheckerResult, Violation } from './result';

export class InvariantMonitor {
  private readonly cluster: Cluster;
  private readonly startMillis: number;
  private readonly violations: Violation[] = [];
  private readonly primaryOfTerm = new Map<number, string>();
  private readonly maxTerm = new Map<string, number>();
  private committedLog: Array<{ ts: number; t: number }> = [];
  private readonly committedSet = new Set<string>();
  elections = 0;
  rollbacks = 0;
  private readonly unsubscribe: () => void;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
    this.startMillis = cluster.clock.now();
    this.unsubscribe = cluster.onEvent((event) => this.onEvent(event));
  }

  violate(kind: string, message: string): void {
    this.violations.push({ checker: 'invariants', kind, message: `t=${this.cluster.clock.now() - this.startMillis}ms ${message}` });
  }

  private onEvent(event: MemberEvent): void {
    if (event.type === 'electionWon') {
      this.elections++;
      const prior = this.primaryOfTerm.get(event.term);
      if (prior !== undefined && prior !== event.host) this.violate('two-primaries', `two primaries in term ${event.term}: ${prior} and ${event.host}`);
      this.primaryOfTerm.set(event.term, event.host);
    } else if (event.type === 'termChange') {
      const prior = this.maxTerm.get(event.host) ?? 0;
      if (event.term < prior) this.violate('term-decreased', `term of ${event.host} went down from ${prior} to ${event.term}`);
      this.maxTerm.set(event.host, Math.max(prior, event.term));
    } else if (event.type === 'rollback') {
      this.rollbacks++;
      this.checkCommitted();
      for (const o of event.undone) {
        if (this.committedSet.has(opTimeKey(o))) this.violate('committed-rolled-back', `${event.host} rolled back majority-committed entry ${opTimeKey(o)}`);
      }
    }
  }

  /**
   * Compare every member's committed oplog prefix with the one committed log seen so far. Entries
   * are named by their optimes, which increase along any oplog, so the check also holds for
   * capped oplogs that start later: every entry a member has committed up to the log's end must
   * be in the log, and every log entry in the span the member holds must be in its prefix.
   */
  checkCommitted(): void {
    for (const host of this.cluster.hosts) {
      const m = this.cluster.member(host);
      const p = this.cluster.persistedState(host);
      const prior = this.maxTerm.get(host) ?? 0;
      if (p.term < prior && m) this.violate('term-decreased', `term of ${host} went down from ${prior} to ${p.term}`);
      if (m) this.maxTerm.set(host, Math.max(prior, p.term));
      if (!m) continue;
      const commit = m.repl.commitPoint;
      const prefix: Array<{ ts: number; t: number }> = [];
      for (const e of p.oplog.all()) {
        if (compareOpTime(e, commit) > 0) break;
        prefix.push({ ts: e.ts, t: e.t });
      }
      if (prefix.length === 0) continue;
      // The log starts where the first member it was built from held its oplog; a capped oplog
      // may already have dropped older entries another member still holds (seed 2000300: the
      // primary was down, so a secondary whose capped oplog began later started the log). Those
      // older entries join the front of the log when this prefix reaches the log's first entry
      // right after them; otherwise nothing is known to check them against.
      const first = this.committedLog[0];
      if (first !== undefined && compareOpTime(prefix[0]!, first) < 0) {
        let older = 0;
        while (older < prefix.length && compareOpTime(prefix[older]!, first) < 0) older++;
        const next = prefix[older];
        if (next !== undefined && compareOpTime(next, first) === 0) {
          const front = prefix.slice(0, older);
          this.committedLog = [...front, ...this.committedLog];
          for (const o of front) this.committedSet.add(opTimeKey(o));
        } else {
          prefix.splice(0, older);
          if (prefix.length === 0) continue;
        }
      }
      const last = this.committedLog[this.committedLog.length - 1];
      let inSpan = 0;
      for (const o of prefix) {
        if (last !== undefined && compareOpTime(o, last) <= 0) {
          inSpan++;
          if (!this.committedSet.has(opTimeKey(o))) {
            this.violate('committed-diverged', `${host} has committed entry ${opTimeKey(o)}, which is not in the committed log (it has ${opTimeKey(this.committedLog[lowerBound(this.committedLog, o)] ?? last)} there)`);
            return;
          }
        }
      }
      if (last !== undefined && inSpan > 0) {
        const from = lowerBound(this.committedLog, prefix[0]!);
        const to = lowerBound(this.committedLog, prefix[inSpan - 1]!) + 1;
        if (to - from !== inSpan) {
          this.violate('committed-diverged', `${host}'s committed oplog from ${opTimeKey(prefix[0]!)} to ${opTimeKey(prefix[inSpan - 1]!)} has ${inSpan} entries; the committed log has ${to - from} there`);
          return;
        }
      }
      // Extend the log only from an oplog that reaches its end: one that starts after it (a member
      // just initial-synced by cloning, whose oplog begins at the clone's start) may have a gap.
      if (last !== undefined && inSpan === 0) continue;
      for (let i = inSpan; i < prefix.length; i++) {
        this.committedLog.push(prefix[i]!);
        this.committedSet.add(opTimeKey(prefix[i]!));
      }
    }
  }

  /** The member's data directory was emptied: its term starts again from 0 (it learns the current one). */
  forget(host: string): void {
    this.maxTerm.delete(host);
  }

  stop(): void {
    this.unsubscribe();
  }

  result(): CheckerResult {
    return resultOf('invariants', [...this.violations], { elections: this.elections, rollbacks: this.rollbacks, committedEntries: this.committedLog.length });
  }
}

/** First index of `log` whose optime is not before `o`. */
function lowerBound(log: ReadonlyArray<{ ts: number; t: number }>, o: { ts: number; t: number }): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareOpTime(log[mid]!, o) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
