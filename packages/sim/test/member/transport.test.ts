import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { VirtualClock, drainMicrotasks } from '../../src/clock/virtual';
import type { CommandRequest } from '../../src/commands/handler';
import { DirectPeerTransport } from '../../src/member/transport';
import { FaultModel } from '../../src/net/faults';

function setup(): { clock: VirtualClock; faults: FaultModel; t: DirectPeerTransport; seen: CommandRequest[]; hold: { on: boolean } } {
  const clock = new VirtualClock(0);
  const faults = new FaultModel(2);
  const t = new DirectPeerTransport({ clock, faults });
  const seen: CommandRequest[] = [];
  const hold = { on: false };
  t.register('b:1', {
    run: (request) => {
      seen.push(request);
      if (hold.on) return new Promise<Document>(() => undefined);
      (request.body as Document).mutated = true;
      return Promise.resolve({ ok: 1, echo: request.body.x });
    },
  });
  return { clock, faults, t, seen, hold };
}

async function outcome(clock: VirtualClock, p: Promise<Document>, millis: number): Promise<{ value?: Document; error?: unknown }> {
  const result: { value?: Document; error?: unknown } = {};
  p.then(
    (v) => {
      result.value = v;
    },
    (e: unknown) => {
      result.error = e;
    },
  );
  await clock.advanceAsync(millis, () => drainMicrotasks());
  return result;
}

describe('DirectPeerTransport', () => {
  it('delivers a BSON copy after the link delay, and the reply after the return delay', async () => {
    const { clock, t, seen } = setup();
    const cmd = { ping: 1, x: 'hi' };
    const r = await outcome(clock, t.request('a:1', 'b:1', 'admin', cmd, { timeoutMillis: 1000 }), 4);
    expect(r.value).toEqual({ ok: 1, echo: 'hi' });
    expect(seen[0]!.db).toBe('admin');
    expect(seen[0]!.connection.remote).toBe('a:1');
    expect(cmd).toEqual({ ping: 1, x: 'hi' });
    expect(clock.now()).toBe(4);
  });

  it('refuses when the target is down or unknown, times out over a cut link, resets when the target dies', async () => {
    const { clock, faults, t, hold } = setup();
    faults.kill('b:1');
    expect((await outcome(clock, t.request('a:1', 'b:1', 'admin', { ping: 1 }, { timeoutMillis: 1000 }), 10)).error).toMatchObject({ code: 'ECONNREFUSED' });
    faults.restart('b:1');
    expect((await outcome(clock, t.request('a:1', 'nobody:1', 'admin', { ping: 1 }, { timeoutMillis: 1000 }), 10)).error).toMatchObject({ code: 'ECONNREFUSED' });

    faults.cut('b:1', 'a:1', true); // only replies are lost
    const lost = await outcome(clock, t.request('a:1', 'b:1', 'admin', { ping: 1 }, { timeoutMillis: 500 }), 499);
    expect(lost).toEqual({});
    await clock.advanceAsync(1, () => drainMicrotasks());
    faults.healAll();

    hold.on = true;
    const pending = t.request('a:1', 'b:1', 'admin', { ping: 1 }, { timeoutMillis: 5000 });
    const mid = outcome(clock, pending, 100);
    faults.kill('b:1');
    expect((await mid).error).toMatchObject({ code: 'ECONNRESET' });
    expect(t.requestsInFlight).toBe(0);
  });

  // The request's signal (CommandRequest.signal: long waits such as an awaitData getMore stop on
  // it) is made on first read; read before or after the request failed, it says the same.
  it("aborts a delivered command's signal when its request fails, whenever the command reads it", async () => {
    const { clock, faults, t, seen, hold } = setup();
    hold.on = true;
    const early = t.request('a:1', 'b:1', 'admin', { ping: 1 }, { timeoutMillis: 50 });
    const late = t.request('a:1', 'b:1', 'admin', { ping: 2 }, { timeoutMillis: 5000 });
    await clock.advanceAsync(5, () => drainMicrotasks());
    const [first, second] = seen;
    let heard = 0;
    first!.signal.addEventListener('abort', () => heard++);
    expect(first!.signal.aborted).toBe(false);
    expect((await outcome(clock, early, 100)).error).toMatchObject({ code: 'ETIMEDOUT' });
    expect([first!.signal.aborted, heard]).toEqual([true, 1]);
    faults.kill('b:1');
    expect((await outcome(clock, late, 1)).error).toMatchObject({ code: 'ECONNRESET' });
    expect(second!.signal.aborted).toBe(true);
  });
});

