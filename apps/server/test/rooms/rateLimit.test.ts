import { describe, expect, it } from 'vitest';
import { AttemptLimiter } from '../../src/rooms/rateLimit';

describe('AttemptLimiter', () => {
  it('allows the limit per key per window and says when to come back', () => {
    let now = 1_000_000;
    const limiter = new AttemptLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i += 1) expect(limiter.attempt('1.2.3.4')).toEqual({ allowed: true });
    now += 15_000;
    expect(limiter.attempt('1.2.3.4')).toEqual({ allowed: false, retryAfterSeconds: 45 });
    expect(limiter.attempt('5.6.7.8')).toEqual({ allowed: true });
    now += 45_000;
    expect(limiter.attempt('1.2.3.4')).toEqual({ allowed: true });
  });

  it('remembers a bounded number of keys, dropping expired windows first', () => {
    let now = 0;
    const limiter = new AttemptLimiter(1, 1000, () => now, 2);
    limiter.attempt('a');
    now = 2000;
    limiter.attempt('b');
    limiter.attempt('c'); // 'a' has expired and goes
    expect(limiter.attempt('b')).toMatchObject({ allowed: false });
    expect(limiter.attempt('c')).toMatchObject({ allowed: false });
    limiter.attempt('d'); // full of live windows: the oldest ('b') goes
    expect(limiter.attempt('b')).toEqual({ allowed: true });
  });

  it('check looks without counting; fail counts', () => {
    const limiter = new AttemptLimiter(2, 60_000, () => 0);
    for (let i = 0; i < 5; i += 1) expect(limiter.check('ip')).toEqual({ allowed: true });
    limiter.fail('ip');
    expect(limiter.check('ip')).toEqual({ allowed: true });
    limiter.fail('ip');
    expect(limiter.check('ip')).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });
});
