import { describe, expect, it } from 'vitest';
import type { ServerToHost } from '@rslab/runtime';
import { ClientRuntimes, type RuntimeHostLink } from '../../src/runtime/clientRuntime';
import type { LabDriver } from '../../src/driver/labDriver';

/**
 * Tab typed on a page that does not run the tab's runtime (a follower of the instructor's tab, a
 * second window): the server asks the page that runs it (`runtime.complete`) and answers with what
 * that runtime's completer said (`runtime.completion`), so the follower sees the live namespace.
 */
describe('completion for a page that does not host the runtime', () => {
  const started = async () => {
    const sent: ServerToHost[] = [];
    // Completion makes no driver call: a driver whose executors answer nothing.
    const executor = { call: () => Promise.reject(new Error('no driver call expected')), cancel: () => undefined, endSession: () => Promise.resolve(), dispose: () => Promise.resolve() };
    const driver: LabDriver = { views: () => [], operations: [], executor: () => executor, closeAll: () => Promise.resolve() };
    const runtimes = new ClientRuntimes({ driver, clock: { paused: false, speed: 1 } });
    const link: RuntimeHostLink = { id: 'page-1', send: (message) => sent.push(message) };
    runtimes.attachHost(link);
    const repl = runtimes.create('python', [], { notice: () => undefined }, 'tab-1');
    const starting = repl.start({ write: () => undefined, clear: () => undefined, signal: new AbortController().signal, origin: 'page-1' });
    runtimes.receive('page-1', { type: 'runtime.ready', session: repl.session, prompt: '>>> ' });
    await starting;
    return { runtimes, repl, sent };
  };

  it('asks the hosting page and answers with its candidates', async () => {
    const { runtimes, repl, sent } = await started();
    const answer = repl.complete('db.test.fi', 10);
    const asked = sent.find((message) => message.type === 'runtime.complete');
    expect(asked).toMatchObject({ type: 'runtime.complete', session: repl.session, line: 'db.test.fi', cursor: 10 });
    if (asked?.type !== 'runtime.complete') throw new Error('no runtime.complete sent');
    // An answer for another request id is not this one's.
    runtimes.receive('page-1', { type: 'runtime.completion', session: repl.session, id: asked.id + 1, replaceFrom: 0, candidates: ['wrong'] });
    runtimes.receive('page-1', { type: 'runtime.completion', session: repl.session, id: asked.id, replaceFrom: 8, candidates: ['find', 'find_one'] });
    await expect(answer).resolves.toEqual({ replaceFrom: 8, candidates: ['find', 'find_one'] });
  });

  it('completes nothing when the hosting page goes away before it answers', async () => {
    const { repl } = await started();
    const answer = repl.complete('pri', 3);
    // The page that runs it reloads: the pending completion ends with no candidates.
    repl.hostLost();
    await expect(answer).resolves.toEqual({ replaceFrom: 3, candidates: [] });
  });
});
