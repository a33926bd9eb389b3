import { describe, expect, it } from 'vitest';
import { heartbeatAgeMillis, heartbeatAgeText, heartbeatRows } from '../../src/cluster/heartbeats';

describe('heartbeat age', () => {
  it('is the snapshot time minus the last reply, never negative', () => {
    expect(heartbeatAgeMillis(10_000, 8_000)).toBe(2_000);
    expect(heartbeatAgeMillis(10_000, 10_500)).toBe(0);
    expect(heartbeatAgeMillis(10_000, null)).toBeNull();
  });
  it('reads as text', () => {
    expect(heartbeatAgeText(1_200)).toBe('1.2 s ago');
    expect(heartbeatAgeText(null)).toBe('never');
  });
  it('makes one sorted row per peer and marks failing or old ones stale', () => {
    const rows = heartbeatRows(
      20_000,
      {
        'h:27019': { lastReplyAt: 19_000, ok: true, pingMillis: 1, peerState: 'SECONDARY' },
        'h:27017': { lastReplyAt: 5_000, ok: false, pingMillis: null, peerState: 'DOWN' },
        'h:27018': { lastReplyAt: 4_000, ok: true, pingMillis: 1, peerState: 'SECONDARY' },
      },
      10_000,
    );
    expect(rows.map((r) => r.peer)).toEqual(['h:27017', 'h:27018', 'h:27019']);
    expect(rows.map((r) => r.stale)).toEqual([true, true, false]);
    expect(rows[0]?.ageText).toBe('15 s ago');
  });
});
