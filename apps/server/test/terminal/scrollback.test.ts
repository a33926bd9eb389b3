import { describe, expect, it } from 'vitest';
import { TimedScrollback } from '../../src/terminal/scrollback';

describe('TimedScrollback (issue 19: the server keeps when each write was printed)', () => {
  it('keeps each write with its time, joining writes of the same time', () => {
    const s = new TimedScrollback(1000);
    s.append(100, '$ ');
    s.append(200, 'kill 1\n');
    s.append(200, 'killed\n');
    s.append(900, 'AutoReconnect\n');
    expect(s.chunks()).toEqual([
      { at: 100, data: '$ ' },
      { at: 200, data: 'kill 1\nkilled\n' },
      { at: 900, data: 'AutoReconnect\n' },
    ]);
    expect(s.text()).toBe('$ kill 1\nkilled\nAutoReconnect\n');
  });

  it('holds a time before the last write at the last time', () => {
    const s = new TimedScrollback(1000);
    s.append(500, 'a');
    s.append(300, 'b');
    expect(s.chunks()).toEqual([{ at: 500, data: 'ab' }]);
  });

  it('stays within its bound, cutting after a line break, across chunks', () => {
    const s = new TimedScrollback(20);
    s.append(1, 'aaaa\nbbbb\n'); // 10
    s.append(2, 'cccc\ndddd\n'); // 20: at the bound, nothing dropped
    expect(s.size).toBe(20);
    s.append(3, 'ee\n'); // 23: 3 too many; the cut goes through the first line break after them
    expect(s.chunks()).toEqual([
      { at: 1, data: 'bbbb\n' },
      { at: 2, data: 'cccc\ndddd\n' },
      { at: 3, data: 'ee\n' },
    ]);
    expect(s.size).toBe(18);
    s.append(4, 'fffffff\n'); // 26: the first 6 must go, which ends inside 'cccc\n' of the second chunk
    expect(s.chunks()).toEqual([
      { at: 2, data: 'dddd\n' },
      { at: 3, data: 'ee\n' },
      { at: 4, data: 'fffffff\n' },
    ]);
    expect(s.size).toBe(s.text().length);
    expect(s.size).toBeLessThanOrEqual(20);
  });

  it('cuts exactly at the bound when no line break follows', () => {
    const s = new TimedScrollback(8);
    s.append(1, 'abcd');
    s.append(2, 'efghij');
    expect(s.chunks()).toEqual([
      { at: 1, data: 'cd' },
      { at: 2, data: 'efghij' },
    ]);
    s.append(3, 'klmnopqrstuvwxyz');
    expect(s.chunks()).toEqual([{ at: 3, data: 'stuvwxyz' }]);
  });

  it('hands out copies', () => {
    const s = new TimedScrollback(100);
    s.append(1, 'x\n');
    const copy = s.chunks();
    (copy[0] as { data: string }).data = 'changed';
    expect(s.text()).toBe('x\n');
  });
});
