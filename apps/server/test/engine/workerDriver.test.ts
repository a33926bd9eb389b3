import { describe, expect, it } from 'vitest';
import { WorkerLabDriver, type WorkerDriverLink } from '../../src/engine/workerDriver';
import type { ClientView, OperationRecord } from '../../src/driver/gateway';

/** A link that records the calls and answers them as `answer` says. */
function link(answer: (method: string, args: unknown[]) => Promise<unknown>): WorkerDriverLink & { calls: Array<[string, unknown[]]>; ended: boolean } {
  const calls: Array<[string, unknown[]]> = [];
  return {
    calls,
    ended: false,
    driverCall<T>(method: string, args: unknown[]): Promise<T> {
      calls.push([method, args]);
      return answer(method, args) as Promise<T>;
    },
  };
}

const view: ClientView = { id: 'c1', api: 'MongoClient', seeds: ['morton.local:27017'], directConnection: false, createdAt: 1, knownMembers: ['morton.local:27017'], primary: 'morton.local:27017', closed: false };
const operation = (at: number): OperationRecord => ({ at, client: 'c1', kind: 'read', ok: true, servedBy: 'morton.local:27017' });

describe("the main thread's mirror of a worker sandbox's driver", () => {
  it('keeps the views and operations the worker reports, copies the views it hands out, and bounds the operations', () => {
    const driver = new WorkerLabDriver(link(() => Promise.resolve()), 2);
    driver.receive({ kind: 'driver', views: [view] });
    const handedOut = driver.views();
    handedOut[0]!.knownMembers.push('changed');
    expect(driver.views()[0]!.knownMembers).toEqual(['morton.local:27017']);
    for (const at of [1, 2, 3]) driver.receive({ kind: 'driver', operation: operation(at) });
    expect(driver.operations.map((op) => op.at)).toEqual([2, 3]);
    expect(driver.views()).toHaveLength(1);
  });

  it("hands calls on under each connection's own key, routes wait lines to the call they belong to, and clears the line at the end", async () => {
    let finish: (reply: unknown) => void = () => undefined;
    const worker = link(() => new Promise((resolve) => (finish = resolve)));
    const driver = new WorkerLabDriver(worker);
    const first = driver.executor({ paused: false }, { callsInFlightMax: 2 });
    const second = driver.executor({ paused: false });
    const lines: Array<string | null> = [];
    const reply = first.call(7, 'rt-1', 'find', { ns: 'test.test' }, { onProgress: (status) => lines.push(status) });
    await Promise.resolve();
    const [method, args] = worker.calls[0]!;
    expect(method).toBe('driver.call');
    const key = args[0] as string;
    expect(args.slice(1)).toEqual([7, 'rt-1', 'find', { ns: 'test.test' }, { callsInFlightMax: 2 }]);
    driver.receive({ kind: 'driverProgress', executor: 'elsewhere', id: 7, status: 'not ours' });
    driver.receive({ kind: 'driverProgress', executor: key, id: 7, status: 'waiting for a primary' });
    finish({ ok: true, result: { documents: [] } });
    expect(await reply).toEqual({ ok: true, result: { documents: [] } });
    expect(lines).toEqual(['waiting for a primary', null]);
    second.cancel(1);
    expect(worker.calls[1]![0]).toBe('driver.cancel');
    expect(worker.calls[1]![1][0]).not.toBe(key);
  });

  it('answers a call the worker could not run as a failed call, and sends nothing once the sandbox is gone', async () => {
    const worker = link(() => Promise.reject(Object.assign(new Error('the worker running sandbox s1 stopped'), { name: 'SandboxWorkerLost' })));
    const driver = new WorkerLabDriver(worker);
    const executor = driver.executor({ paused: false });
    expect(await executor.call(1, 'rt-1', 'ping', {}, { onProgress: () => undefined })).toEqual({ ok: false, error: { name: 'SandboxWorkerLost', message: 'the worker running sandbox s1 stopped' } });
    worker.ended = true;
    const before = worker.calls.length;
    await executor.endSession('rt-1');
    await executor.dispose();
    executor.cancel(1);
    await driver.closeAll();
    expect(worker.calls).toHaveLength(before);
  });
});
