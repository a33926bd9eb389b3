import { describe, expect, it } from 'vitest';
import { countdown, sandboxNow, showsCountdown } from '../../src/cluster/countdown';
import { member } from './helpers';

describe('sandbox clock between snapshots', () => {
  it('moves at the snapshot speed from when the snapshot arrived', () => {
    const snapshot = { at: 50_000, speed: 2, paused: false };
    expect(sandboxNow(snapshot, 1_000, 1_000)).toBe(50_000);
    expect(sandboxNow(snapshot, 1_000, 1_500)).toBe(51_000);
    expect(sandboxNow({ ...snapshot, speed: 0.25 }, 1_000, 5_000)).toBe(51_000);
  });
  it('stands still while paused and never runs backwards', () => {
    expect(sandboxNow({ at: 50_000, speed: 1, paused: true }, 1_000, 9_000)).toBe(50_000);
    expect(sandboxNow({ at: 50_000, speed: 1, paused: false }, 1_000, 500)).toBe(50_000);
  });
});

describe('election countdown', () => {
  it('counts down to the deadline over the election timeout', () => {
    const c = countdown({ electionDeadlineAt: 18_000, electionTimeoutMillis: 10_000 }, 13_000);
    expect(c).toEqual({ remainingMillis: 5_000, totalMillis: 10_000, fraction: 0.5 });
  });
  it('stops at zero and widens the window for the random offset', () => {
    expect(countdown({ electionDeadlineAt: 18_000, electionTimeoutMillis: 10_000 }, 30_000)?.fraction).toBe(0);
    const offset = countdown({ electionDeadlineAt: 11_500, electionTimeoutMillis: 10_000 }, 0);
    expect(offset?.totalMillis).toBe(11_500);
    expect(offset?.fraction).toBe(1);
  });
  it('has none without a deadline', () => {
    expect(countdown({ electionDeadlineAt: null, electionTimeoutMillis: 10_000 }, 0)).toBeNull();
  });
  it('shows on secondaries only while no member is visibly primary', () => {
    const a = member('h:1', { state: 'PRIMARY', process: 'killed' });
    const b = member('h:2', { electionDeadlineAt: 9_000 });
    const c = member('h:3', { electionDeadlineAt: null });
    expect(showsCountdown(b, [a, b, c])).toBe(true);
    expect(showsCountdown(c, [a, b, c])).toBe(false);
    expect(showsCountdown(a, [a, b, c])).toBe(false);
    const alive = { ...a, process: 'running' as const };
    expect(showsCountdown(b, [alive, b, c])).toBe(false);
  });
});
