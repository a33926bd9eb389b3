import { describe, expect, it } from 'vitest';
import type { RoomWelcome } from '@rslab/protocol';
import { inputLockReason } from '../../src/rooms/readOnly';

const welcome = (over: Partial<RoomWelcome>): RoomWelcome => ({ code: 'ABCD-EFGH', title: 'Class', role: 'attendee', mode: 'live', readOnly: true, ...over });

describe('inputLockReason', () => {
  it('lets a page type when the server does not mark it read-only', () => {
    expect(inputLockReason(welcome({ mode: 'fork', readOnly: false }))).toBeNull();
    expect(inputLockReason(welcome({ role: 'instructor', readOnly: false }))).toBeNull();
  });

  it('tells a live follower how to get a sandbox of their own, or back to it', () => {
    expect(inputLockReason(welcome({}))).toMatch(/Try it myself/);
    expect(inputLockReason(welcome({ hasFork: true }))).toMatch(/“My sandbox” takes you back/);
  });

  it('tells an instructor watching an attendee that it is their sandbox', () => {
    expect(inputLockReason(welcome({ role: 'instructor', mode: 'watch' }))).toMatch(/attendee’s sandbox/);
  });
});
