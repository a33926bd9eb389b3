import { afterEach, describe, expect, it, vi } from 'vitest';
import { newJoinToken, roomsApi } from '../../src/rooms/api';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('roomsApi', () => {
  it('sends a join again with the same token after a 503 with Retry-After, until it is acknowledged', async () => {
    vi.useFakeTimers();
    const bodies: Array<{ name: string; token: string }> = [];
    const replies = [
      new Response(JSON.stringify({ statusCode: 503, error: 'StoreUnavailable', message: 'no primary' }), { status: 503, headers: { 'retry-after': '2' } }),
      new Response(JSON.stringify({ code: 'ABCD2345', title: 't', attendeeId: 'a-1', token: 'x', resumePath: '/#join' }), { status: 201 }),
    ];
    vi.stubGlobal('fetch', async (_path: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)) as { name: string; token: string });
      return replies.shift()!;
    });
    const joined = roomsApi.join('ABCD2345', 'ada');
    await vi.advanceTimersByTimeAsync(1999);
    expect(bodies).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(joined).resolves.toMatchObject({ attendeeId: 'a-1' });
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[0]!.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('does not send again a 503 without Retry-After, nor other errors', async () => {
    let calls = 0;
    vi.stubGlobal('fetch', async () => {
      calls += 1;
      return new Response(JSON.stringify({ message: 'down' }), { status: 503 });
    });
    await expect(roomsApi.join('ABCD2345', 'ada')).rejects.toMatchObject({ status: 503, message: 'down' });
    expect(calls).toBe(1);
  });

  it('makes a new token for each join', () => {
    expect(newJoinToken()).not.toBe(newJoinToken());
  });
});
