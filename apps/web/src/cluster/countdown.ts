import type { ClusterSnapshot, MemberView } from '@rslab/protocol';
import { displayState } from './states';

/**
 * The sandbox clock as the page sees it between snapshots: the snapshot's `at`, moved forward by
 * the wall time since it arrived times the speed, and frozen while paused.
 */
export function sandboxNow(
  snapshot: Pick<ClusterSnapshot, 'at' | 'speed' | 'paused'>,
  receivedAtWallMillis: number,
  nowWallMillis: number,
): number {
  if (snapshot.paused) return snapshot.at;
  const elapsed = Math.max(0, nowWallMillis - receivedAtWallMillis);
  return snapshot.at + elapsed * snapshot.speed;
}

export interface Countdown {
  /** Sandbox millis until this member stands for election (never below 0). */
  remainingMillis: number;
  /** The whole window the bar shows, at least the election timeout. */
  totalMillis: number;
  /** 0..1: the share of the window still left. */
  fraction: number;
}

/** Countdown to the member's election deadline at sandbox time `now`; null when it has none. */
export function countdown(member: Pick<MemberView, 'electionDeadlineAt' | 'electionTimeoutMillis'>, now: number): Countdown | null {
  if (member.electionDeadlineAt === null) return null;
  const remainingMillis = Math.max(0, member.electionDeadlineAt - now);
  // The deadline includes a random offset of up to 15 %, so the window may exceed the timeout.
  const totalMillis = Math.max(member.electionTimeoutMillis, remainingMillis, 1);
  return { remainingMillis, totalMillis, fraction: remainingMillis / totalMillis };
}

/** The election countdown shows on secondaries while no member is visibly PRIMARY. */
export function showsCountdown(member: MemberView, members: readonly MemberView[]): boolean {
  if (members.some((m) => displayState(m) === 'PRIMARY')) return false;
  return displayState(member) === 'SECONDARY' && member.electionDeadlineAt !== null;
}
