import { Long } from 'bson';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock/clock';
import { MemoryLogger, MongoLogger, formatLogLine, logInfo } from '../../src/log/log';

const fixedClock = (millis: number): Clock => ({ now: () => millis, setTimer: () => ({ cancel: () => undefined }) });

describe('mongod JSON log lines', () => {
  it('lays out a line exactly as mongod does, padding s, c and id', () => {
    const line = formatLogLine(Date.UTC(2024, 0, 2, 3, 4, 5, 6), {
      s: 'I',
      c: 'NETWORK',
      id: 23016,
      ctx: 'listener',
      msg: 'Waiting for connections',
      attr: { port: 27017, ssl: 'off' },
    });
    expect(line).toBe(
      '{"t":{"$date":"2024-01-02T03:04:05.006+00:00"},"s":"I",  "c":"NETWORK",  "id":23016,   "ctx":"listener","msg":"Waiting for connections","attr":{"port":27017,"ssl":"off"}}',
    );
    expect(JSON.parse(line)).toMatchObject({ s: 'I', c: 'NETWORK', id: 23016, attr: { port: 27017 } });
  });

  it('pads long ids and components with one space, omits empty attr, renders BSON and bigint values', () => {
    const line = formatLogLine(0, { s: 'D1', c: 'SHARDING', id: 4615611, ctx: 'c', msg: 'm', attr: { n: Long.fromNumber(5), big: 7n, e: new Error('boom') } });
    expect(line).toContain('"s":"D1", "c":"SHARDING", "id":4615611, "ctx"');
    const parsed = JSON.parse(line) as { attr: Record<string, unknown> };
    expect(parsed.attr.big).toEqual({ $numberLong: '7' });
    expect(parsed.attr.e).toEqual({ name: 'Error', message: 'boom' });
    expect(formatLogLine(0, { s: 'W', c: 'REPL', id: 1, ctx: 'x', msg: 'y', attr: {} })).not.toContain('attr');
  });

  it('keeps a bounded window of recent lines and the startup warnings', () => {
    const lines: string[] = [];
    const log = new MongoLogger({ clock: fixedClock(0), sink: (l) => lines.push(l), recentLinesMax: 3 });
    for (let i = 0; i < 5; i++) logInfo(log, 'CONTROL', { id: 1, msg: `line ${i}` }, 'main');
    log.log({ s: 'W', c: 'CONTROL', id: 22120, ctx: 'initandlisten', msg: 'Access control is not enabled', tags: ['startupWarnings'] });
    expect(lines).toHaveLength(6);
    expect(log.recentLines()).toHaveLength(3);
    expect(log.recentLines()[0]).toContain('line 3');
    expect(log.startupWarningLines()).toHaveLength(1);
    expect(JSON.parse(log.startupWarningLines()[0] as string)).toMatchObject({ id: 22120, tags: ['startupWarnings'] });
  });

  it('MemoryLogger keeps at most entriesMax entries', () => {
    const log = new MemoryLogger(true, 2);
    for (let i = 0; i < 4; i++) logInfo(log, 'NETWORK', { id: i, msg: 'y' }, 'x');
    expect(log.entries.map((e) => e.id)).toEqual([2, 3]);
    expect(log.quiet).toBe(true);
  });
});
