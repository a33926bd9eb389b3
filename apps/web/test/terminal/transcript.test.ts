import { describe, expect, it } from 'vitest';
import { safeCut, TerminalTranscript, TranscriptPlayback, transcriptFromScrollback } from '../../src/terminal/transcript';

describe('TerminalTranscript (issue 19: the terminal shows output up to the moment viewed)', () => {
  it('keeps only the writes made by the moment viewed', () => {
    const t = new TerminalTranscript(10_000);
    t.record(1000, '$ ');
    t.record(1500, 'kill 1234\r\n');
    t.record(4000, 'AutoReconnect: connection refused\r\n');
    expect(t.upTo(999)).toBe('');
    expect(t.upTo(1500)).toBe('$ kill 1234\r\n');
    expect(t.upTo(3999)).not.toContain('AutoReconnect');
    expect(t.upTo(4000)).toContain('AutoReconnect');
    expect(t.all()).toBe('$ kill 1234\r\nAutoReconnect: connection refused\r\n');
  });

  it('holds a clock that steps back at the last time, so later writes never land in the past', () => {
    const t = new TerminalTranscript(10_000);
    t.record(5000, 'a');
    t.record(2000, 'b');
    expect(t.upTo(4999)).toBe('');
    expect(t.upTo(5000)).toBe('ab');
  });

  it('forgets the oldest writes past its cap, keeping the newest', () => {
    const t = new TerminalTranscript(6);
    t.record(1, 'aaa');
    t.record(2, 'bbb');
    t.record(3, 'ccc');
    expect(t.all()).toBe('bbbccc');
    expect(t.size).toBe(6);
    t.clear();
    expect(t.all()).toBe('');
  });

  it('never cuts inside an escape sequence split over two writes', () => {
    const t = new TerminalTranscript(10_000);
    t.record(1, 'ok \x1b[3');
    t.record(2, '1mred\x1b[0m');
    expect(t.upTo(1)).toBe('ok ');
    expect(t.upTo(2)).toBe('ok \x1b[31mred\x1b[0m');
  });
});

describe('safeCut', () => {
  it('drops an unfinished CSI, OSC, charset designation and lone high surrogate', () => {
    expect(safeCut('a\x1b')).toBe('a');
    expect(safeCut('a\x1b[1;3')).toBe('a');
    expect(safeCut('a\x1b]0;title')).toBe('a');
    expect(safeCut('a\x1b(')).toBe('a');
    expect(safeCut('a\ud83d')).toBe('a');
  });

  it('keeps whole sequences and text', () => {
    expect(safeCut('a\x1b[2K\r')).toBe('a\x1b[2K\r');
    expect(safeCut('a\x1b[0m')).toBe('a\x1b[0m');
    expect(safeCut('a\x1b]0;t\x07')).toBe('a\x1b]0;t\x07');
    expect(safeCut('a\x1b(B')).toBe('a\x1b(B');
    expect(safeCut('a\x1b7')).toBe('a\x1b7');
    expect(safeCut('\ud83d\ude00')).toBe('\ud83d\ude00');
    expect(safeCut('')).toBe('');
  });
});

describe('TranscriptPlayback (a saved replay\'s read-only terminal, played to a moment)', () => {
  const chunks = [
    { at: 1000, data: '$ mongod\r\n' },
    { at: 2000, data: '\x1b[32mok\x1b[0m\r\n' },
    { at: 3000, data: 'AutoReconnect\r\n\x1b[3' },
    { at: 4000, data: '1mred\x1b[0m' },
  ];

  it('writes only what is new going forward, and resets going back', () => {
    const p = new TranscriptPlayback(chunks);
    expect(p.update(500)).toEqual({ reset: false, data: '' });
    expect(p.update(1000)).toEqual({ reset: false, data: '$ mongod\r\n' });
    expect(p.update(2500)).toEqual({ reset: false, data: '\x1b[32mok\x1b[0m\r\n' });
    expect(p.update(2500)).toEqual({ reset: false, data: '' });
    // Back before the kill: the xterm starts again from the prefix, without the AutoReconnect.
    const back = p.update(1500);
    expect(back).toEqual({ reset: true, data: '$ mongod\r\n' });
  });

  it('never stops inside an escape sequence split over two writes, and picks it up whole after', () => {
    const p = new TranscriptPlayback(chunks);
    const at3 = p.update(3000);
    expect(at3.data.endsWith('AutoReconnect\r\n')).toBe(true);
    expect(p.update(4000).data).toBe('\x1b[31mred\x1b[0m');
    // Played in any steps, what is written adds up to the prefix as upTo cuts it.
    const t = new TerminalTranscript(10_000);
    for (const c of chunks) t.record(c.at, c.data);
    for (const at of [999, 1000, 2999, 3000, 4000]) {
      const fresh = new TranscriptPlayback(chunks);
      expect(fresh.update(at).data).toBe(t.upTo(at));
    }
    expect(t.chunks()).toEqual(chunks);
  });
});

describe('seeding a transcript from the server (issue 19: the past after a reload)', () => {
  // What the server's welcome carries after the walkthrough's failover: each write at its sandbox time.
  const scrollback = [
    { at: 1000, data: '$ ' },
    { at: 1200, data: 'rs.initiate()\n{ ok: 1 }\n$ ' },
    { at: 5000, data: 'kill 4242\n' },
    { at: 9000, data: 'AutoReconnect: connection refused\n' },
  ];

  it('keeps the times the server printed at, not the time the page loaded', () => {
    const t = new TerminalTranscript(10_000);
    t.seed(transcriptFromScrollback(scrollback));
    expect(t.upTo(999)).toBe('');
    expect(t.upTo(4999)).toBe('$ rs.initiate()\r\n{ ok: 1 }\r\n$ ');
    expect(t.upTo(8999)).not.toContain('AutoReconnect');
    expect(t.upTo(9000)).toContain('AutoReconnect: connection refused\r\n');
    expect(t.all()).toBe('$ rs.initiate()\r\n{ ok: 1 }\r\n$ kill 4242\r\nAutoReconnect: connection refused\r\n');
  });

  it("replaces what the page recorded before (the server's record is the truth after a reload or reconnect)", () => {
    const t = new TerminalTranscript(10_000);
    t.record(20_000, 'page-only notice\r\n');
    t.record(20_500, 'half = 4');
    t.seed(transcriptFromScrollback(scrollback));
    expect(t.all()).not.toContain('page-only');
    expect(t.all()).not.toContain('half');
    // a write stamped before the clock is known (the page's clock still 0) lands at the last time, not at 0
    t.record(0, '$ ');
    expect(t.upTo(8999)).not.toContain('AutoReconnect');
    expect(t.chunks().at(-1)).toEqual({ at: 9000, data: 'AutoReconnect: connection refused\r\n$ ' });
  });

  it('keeps the cap: the oldest seeded writes go first', () => {
    const t = new TerminalTranscript(40);
    t.seed(transcriptFromScrollback(scrollback));
    expect(t.all()).toBe('AutoReconnect: connection refused\r\n');
    expect(t.upTo(8999)).toBe('');
  });
});
