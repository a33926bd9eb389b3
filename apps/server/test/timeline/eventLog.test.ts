import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/timeline/eventLog';

const event = (text: string) => ({ source: 'shell' as const, kind: 'note', text });

describe('EventLog', () => {
  it('keeps the newest eventsMax events in order, with increasing ids', () => {
    let now = 0;
    const log = new EventLog(() => (now += 1), 3);
    for (const text of ['a', 'b', 'c', 'd', 'e']) log.add(event(text));
    expect(log.all().map((e) => e.text)).toEqual(['c', 'd', 'e']);
    expect(log.all().map((e) => e.id)).toEqual([3, 4, 5]);
    log.add(event('f'));
    log.add(event('g'));
    log.add(event('h'));
    expect(log.all().map((e) => e.text)).toEqual(['f', 'g', 'h']);
  });

  it('returns a copy, and stamps events with the injected clock unless they carry their own time', () => {
    const log = new EventLog(() => 42, 10);
    log.add(event('a'));
    log.add({ ...event('b'), at: 70 });
    const copy = log.all();
    copy.pop();
    expect(log.all().map((e) => [e.text, e.at])).toEqual([['a', 42], ['b', 70]]);
  });

  it('tells listeners of each event until they unsubscribe', () => {
    const log = new EventLog(() => 0, 2);
    const seen: string[] = [];
    const unsubscribe = log.subscribe((e) => seen.push(e.text));
    log.add(event('a'));
    unsubscribe();
    log.add(event('b'));
    expect(seen).toEqual(['a']);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new EventLog(() => 0, 0)).toThrow(RangeError);
    expect(() => new EventLog(() => 0, 1.5)).toThrow(/eventsMax/);
  });

  it('keeps times in order: an event stamped before the newest one (a worker\'s, arriving late) takes the newest one\'s time', () => {
    let now = 1_000;
    const log = new EventLog(() => now, 10);
    log.add(event('main'));
    // The worker's event happened at 990 but arrives after the main thread stamped one at 1000; the page's timeline throws on events out of order.
    log.add({ ...event('worker'), at: 990 });
    now = 1_005;
    log.add(event('later'));
    expect(log.all().map((e) => [e.text, e.at])).toEqual([['main', 1_000], ['worker', 1_000], ['later', 1_005]]);
  });
});
