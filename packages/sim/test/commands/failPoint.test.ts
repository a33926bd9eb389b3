import { codeOf } from '../serverErrorCode';
import { describe, expect, it } from 'vitest';
import { FailPoint, FailPointRegistry, failCommandApplies, parseFailPointMode } from '../../src/commands/failPoint';
import type { FailCommandTarget } from '../../src/commands/failPoint';
import { Random } from '../../src/random/random';
import { VirtualClock } from '../../src/clock/virtual';

// mongod's fail points: src/mongo/util/fail_point.h (modes, `scopedIf` counting only when the
// predicate holds) and src/mongo/db/commands.cpp (shouldActivateFailCommandFailPoint).

const find: FailCommandTarget = { commandName: 'find', namespace: 'test.c', appName: 'app1', internal: false };


describe('fail point modes (fail_point.h parseBSON)', () => {
  it('parses off, alwaysOn, times, skip and activationProbability and refuses the rest', () => {
    expect(parseFailPointMode('off')).toEqual({ kind: 'off' });
    expect(parseFailPointMode('alwaysOn')).toEqual({ kind: 'alwaysOn' });
    expect(parseFailPointMode({ times: 2 })).toEqual({ kind: 'times', times: 2 });
    expect(parseFailPointMode({ skip: 1 })).toEqual({ kind: 'skip', skip: 1 });
    expect(parseFailPointMode({ activationProbability: 0.5 })).toEqual({ kind: 'activationProbability', probability: 0.5 });
    expect(codeOf(() => parseFailPointMode('sometimes'))).toBe(2);
    expect(codeOf(() => parseFailPointMode({ times: -1 }))).toBe(2);
    expect(codeOf(() => parseFailPointMode({ activationProbability: 1.5 }))).toBe(2);
    expect(codeOf(() => parseFailPointMode(3))).toBe(14);
  });

  it('{times: n} fires n times then turns itself off; {skip: n} passes n then fires always', () => {
    const random = new Random(1);
    const times = new FailPoint('failCommand');
    times.set({ kind: 'times', times: 2 }, {});
    expect([times.fire(random), times.fire(random), times.fire(random)]).toEqual([true, true, false]);
    expect(times.active).toBe(false);
    expect(times.timesEntered).toBe(2);
    const skip = new FailPoint('failCommand');
    skip.set({ kind: 'skip', skip: 2 }, {});
    expect([skip.fire(random), skip.fire(random), skip.fire(random), skip.fire(random)]).toEqual([false, false, true, true]);
  });

  it('activationProbability draws from the member Random: the same seed fires the same way', () => {
    const draw = (seed: number): boolean[] => {
      const random = new Random(seed);
      const point = new FailPoint('failCommand');
      point.set({ kind: 'activationProbability', probability: 0.5 }, {});
      return Array.from({ length: 40 }, () => point.fire(random));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7).filter(Boolean).length).toBeGreaterThan(5);
    expect(draw(7).filter(Boolean).length).toBeLessThan(35);
    const never = new FailPoint('failCommand');
    never.set({ kind: 'activationProbability', probability: 0 }, {});
    expect(Array.from({ length: 20 }, () => never.fire(new Random(3))).some(Boolean)).toBe(false);
  });
});

describe('failCommand predicate (commands.cpp shouldActivateFailCommandFailPoint)', () => {
  it('matches the listed commands under any spelling, never configureFailPoint', () => {
    expect(failCommandApplies({ failCommands: ['find'] }, find)).toBe(true);
    expect(failCommandApplies({ failCommands: ['insert'] }, find)).toBe(false);
    expect(failCommandApplies({}, find)).toBe(false);
    expect(failCommandApplies({ failCommands: ['findAndModify'] }, { ...find, commandName: 'findandmodify' })).toBe(true);
    expect(failCommandApplies({ failCommands: ['configureFailPoint'] }, { ...find, commandName: 'configureFailPoint' })).toBe(false);
  });

  it('filters by appName and namespace, and skips internal commands unless failInternalCommands', () => {
    expect(failCommandApplies({ failCommands: ['find'], appName: 'app1' }, find)).toBe(true);
    expect(failCommandApplies({ failCommands: ['find'], appName: 'other' }, find)).toBe(false);
    expect(failCommandApplies({ failCommands: ['find'], namespace: 'test.d' }, find)).toBe(false);
    const internal = { ...find, internal: true };
    expect(failCommandApplies({ failCommands: ['find'] }, internal)).toBe(false);
    expect(failCommandApplies({ failCommands: ['find'], failInternalCommands: true }, internal)).toBe(true);
  });
});

describe('FailPointRegistry', () => {
  it('configure answers the count entered so far; unknown names are FailPointSetFailed (266)', () => {
    const registry = new FailPointRegistry(new Random(1));
    expect(registry.configure({ configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['find'], errorCode: 2 } })).toEqual({ count: 0, ok: 1 });
    registry.beforeCommand(find);
    registry.beforeCommand(find);
    expect(registry.configure({ configureFailPoint: 'failCommand', mode: 'off' })).toEqual({ count: 2, ok: 1 });
    expect(codeOf(() => registry.configure({ configureFailPoint: 'noSuchFailPoint', mode: 'off' }))).toBe(266);
    expect(codeOf(() => registry.configure({ configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['find'], blockConnection: true } }))).toBe(72);
  });

  it('before a command: close first, then block, then the error with its code, codeName and labels', () => {
    const registry = new FailPointRegistry(new Random(1));
    registry.configure({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['find'], errorCode: 91, errorLabels: ['X'], blockConnection: true, blockTimeMS: 50 } });
    expect(registry.beforeCommand(find)).toEqual({
      closeConnection: false,
      blockTimeMillis: 50,
      errorReply: { ok: 0, errmsg: "Failing command via 'failCommand' failpoint", code: 91, codeName: 'ShutdownInProgress', errorLabels: ['X'] },
    });
    expect(registry.beforeCommand(find)).toBeUndefined();
    registry.configure({ configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['find'], closeConnection: true, errorCode: 2 } });
    expect(registry.beforeCommand(find)).toMatchObject({ closeConnection: true, errorReply: { code: 50985 } });
  });

  it('a predicate that does not hold does not use up {times}; writeConcernError applies after the command', () => {
    const registry = new FailPointRegistry(new Random(1));
    registry.configure({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['insert'], writeConcernError: { code: 91, errmsg: 'Replication is being shut down' } } });
    expect(registry.afterCommand(find)).toBeUndefined();
    expect(registry.beforeCommand({ ...find, commandName: 'insert' })).toBeUndefined();
    expect(registry.afterCommand({ ...find, commandName: 'insert' })).toEqual({ writeConcernError: { code: 91, errmsg: 'Replication is being shut down' }, errorLabels: undefined });
    expect(registry.afterCommand({ ...find, commandName: 'insert' })).toBeUndefined();
  });

  it('blocks on the member clock until blockTimeMS has passed', async () => {
    const clock = new VirtualClock(0);
    let done = false;
    const blocked = FailPointRegistry.block(clock, 100, new AbortController().signal).then(() => (done = true));
    clock.advance(99);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await blocked;
    expect(done).toBe(true);
  });
});
