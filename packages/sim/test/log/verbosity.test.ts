import { describe, expect, it } from 'vitest';
import { LogVerbosity } from '../../src/log/verbosity';

// logv2/log_component.h: components in a tree (heartbeats under replication under the default);
// a component at -1 takes its parent's level (logv2 LogComponentSettings::shouldLog).
describe('LogVerbosity', () => {
  it('inherits from the nearest ancestor with a level, else the default', () => {
    const v = new LogVerbosity(0);
    expect(v.writes('I', 'REPL_HB')).toBe(true);
    expect(v.writes('D1', 'REPL_HB')).toBe(false);
    v.apply({ replication: { verbosity: 2 } });
    expect(v.effective('REPL_HB')).toBe(2);
    expect(v.effective('ELECTION')).toBe(2);
    expect(v.effective('NETWORK')).toBe(0);
    expect(v.writes('D2', 'REPL_HB')).toBe(true);
    expect(v.writes('D3', 'REPL_HB')).toBe(false);
    v.apply({ replication: { verbosity: -1 } });
    expect(v.effective('REPL_HB')).toBe(0);
    expect(new LogVerbosity(3).effective('STORAGE')).toBe(3);
  });

  it('refuses an unknown component whole, changing nothing', () => {
    const v = new LogVerbosity(0);
    expect(() => v.apply({ network: { verbosity: 1 }, replication: { asio: { verbosity: 1 } } })).toThrow(/replication\.asio/);
    expect(v.effective('NETWORK')).toBe(0);
    v.apply({ network: { asio: { verbosity: 4 } } });
    expect(v.toDocument().network).toEqual({ verbosity: -1, asio: { verbosity: 4 }, bridge: { verbosity: -1 }, connectionPool: { verbosity: -1 } });
  });
});
