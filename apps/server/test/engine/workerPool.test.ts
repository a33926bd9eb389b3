import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxWorkerCallError, SandboxWorkerLostError, SandboxWorkerPool, type SandboxWorkerLoss } from '../../src/engine/workerPool';

const counterWorker = fileURLToPath(new URL('../fixtures/engine/counterWorker.mjs', import.meta.url));

describe('SandboxWorkerPool', () => {
  let pool: SandboxWorkerPool | null = null;
  afterEach(async () => {
    await pool?.dispose();
    pool = null;
  });

  function newPool(workersMax: number, onWorkerLost: (loss: SandboxWorkerLoss) => void = () => undefined): SandboxWorkerPool {
    pool = new SandboxWorkerPool({ workersMax, file: counterWorker, onWorkerLost, sandboxesPerWorkerMax: 3 });
    return pool;
  }

  it('spreads sandboxes over the least loaded workers, keeps each on its worker, and keeps their state apart', async () => {
    const p = newPool(2);
    expect([p.assign('a'), p.assign('b'), p.assign('c'), p.assign('d')]).toEqual([0, 1, 0, 1]);
    expect(p.load).toEqual([2, 2]);
    const events: unknown[] = [];
    p.assign('e', { near: 'b', onEvent: (event) => events.push(event) });
    expect(p.workerOf('e')).toBe(1);
    await p.call('a', 'add', [5]);
    await p.call('c', 'add', [2]);
    expect(await p.call('a', 'add', [1])).toBe(6);
    expect(await p.call('c', 'get')).toBe(2);
    expect(await p.call('e', 'add', [7])).toBe(7);
    expect(events).toEqual([{ added: 7, value: 7 }]);
    expect(() => p.assign('f', { near: 'b' })).toThrow(/sandboxesPerWorkerMax/);
    p.release('a');
    expect(p.workerOf('a')).toBeNull();
    await expect(p.call('a', 'get')).rejects.toThrow(/has no worker/);
  });

  it("rebuilds a call's error with its name and fields", async () => {
    const p = newPool(1);
    p.assign('a');
    const error = await p.call('a', 'fail').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxWorkerCallError);
    expect(error).toMatchObject({ name: 'EngineCommandError', message: 'no such member', fields: { exitCode: 48 } });
  });

  it('a worker that dies takes only its sandboxes: their calls reject, the owner learns which, the others keep answering', async () => {
    const losses: SandboxWorkerLoss[] = [];
    let lost: () => void = () => undefined;
    const told = new Promise<void>((resolve) => (lost = resolve));
    const p = newPool(2, (loss) => {
      losses.push(loss);
      lost();
    });
    p.assign('a');
    p.assign('b');
    p.assign('c');
    await p.call('b', 'add', [3]);
    const hanging = p.call('a', 'hang');
    const crash = p.call('c', 'crash');
    await expect(hanging).rejects.toBeInstanceOf(SandboxWorkerLostError);
    await expect(crash).rejects.toMatchObject({ name: 'SandboxWorkerLost', sandboxId: 'c', workerIndex: 0 });
    await told;
    expect(losses).toHaveLength(1);
    expect(losses[0]).toMatchObject({ workerIndex: 0, sandboxIds: ['a', 'c'], exitCode: 1 });
    expect(losses[0]?.error?.message).toBe('worker crashed on purpose');
    // The other worker's sandbox still answers, with its state.
    expect(await p.call('b', 'add', [1])).toBe(4);
    // The lost sandboxes have no worker; a fresh one goes to the new worker in the dead one's slot.
    expect(p.workerOf('a')).toBeNull();
    expect(p.assign('a2')).toBe(0);
    expect(await p.call('a2', 'get')).toBeNull();
  });
});
