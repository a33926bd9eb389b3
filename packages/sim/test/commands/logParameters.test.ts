import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';
import { LogIds } from '../../src/log/ids';
import type { LogEntry } from '../../src/member/member';

// commands/parameters.cpp (setParameter: admin only, every name checked first, `was` the previous
// value; InvalidOptions for an unknown name or none) and the logComponentVerbosity / logLevel
// server parameters mongosh's db.setLogLevel() and db.getLogComponents() use (manual:
// db.setLogLevel: "-1 to inherit the verbosity of the parent").
describe('setParameter / getParameter: logLevel and logComponentVerbosity', () => {
  it('db.setLogLevel(2, "replication.heartbeats") sets that component, reports the old tree as `was`, and getParameter shows it', async () => {
    const c = new Cluster({ members: 1, seed: 91 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const initial = await c.command(primary, { getParameter: 1, logComponentVerbosity: 1 });
    expect(initial.logComponentVerbosity.verbosity).toBe(0);
    expect(Object.keys(initial.logComponentVerbosity).slice(0, 4)).toEqual(['verbosity', 'accessControl', 'command', 'control']);
    expect(initial.logComponentVerbosity.replication).toEqual({ verbosity: -1, election: { verbosity: -1 }, heartbeats: { verbosity: -1 }, initialSync: { verbosity: -1 }, rollback: { verbosity: -1 } });
    const set = await c.command(primary, { setParameter: 1, logComponentVerbosity: { replication: { heartbeats: { verbosity: 2 } } } });
    expect(set).toMatchObject({ ok: 1, was: initial.logComponentVerbosity });
    const after = await c.command(primary, { getParameter: 1, logComponentVerbosity: 1, logLevel: 1 });
    expect(after.logComponentVerbosity.replication.heartbeats).toEqual({ verbosity: 2 });
    expect(after.logComponentVerbosity.replication.verbosity).toBe(-1);
    expect(after.logLevel).toBe(0);
    expect(await c.command(primary, { setParameter: 1, logLevel: 1 })).toMatchObject({ ok: 1, was: 0 });
    expect((await c.command(primary, { getParameter: 1, logLevel: 1 })).logLevel).toBe(1);
    c.stopAll();
  });

  it('refuses an unknown parameter, none at all, a bad component and a database other than admin', async () => {
    const c = new Cluster({ members: 1, seed: 92 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    expect(await c.command(primary, { setParameter: 1, noSuchParameter: 5 })).toMatchObject({ ok: 0, codeName: 'InvalidOptions', errmsg: 'attempted to set unrecognized parameter [noSuchParameter], use help:true to see options ' });
    expect(await c.command(primary, { setParameter: 1 })).toMatchObject({ ok: 0, codeName: 'InvalidOptions', errmsg: 'no option found to set, use help:true to see options ' });
    expect(await c.command(primary, { setParameter: 1, logComponentVerbosity: { replication: { nope: { verbosity: 1 } } } })).toMatchObject({ ok: 0, codeName: 'BadValue' });
    expect(await c.command(primary, { setParameter: 1, logLevel: 1 }, { db: 'test' })).toMatchObject({ ok: 0, codeName: 'Unauthorized' });
    // Nothing changed by the refused calls.
    expect((await c.command(primary, { getParameter: 1, logLevel: 1 })).logLevel).toBe(0);
    c.stopAll();
  });

  it('a debug line is logged only once its component, or a parent, is at its level or more', async () => {
    const lines: LogEntry[] = [];
    const c = new Cluster({ members: 1, seed: 93, log: (_h, e) => lines.push(e) });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const member = c.member(primary)!;
    const heartbeatD1 = (): boolean => {
      const before = lines.length;
      member.log('D1', 'REPL_HB', LogIds.heartbeatFailed, {});
      return lines.length > before;
    };
    expect(heartbeatD1()).toBe(false);
    await c.command(primary, { setParameter: 1, logComponentVerbosity: { replication: { verbosity: 1 } } });
    // REPL_HB inherits from replication.
    expect(heartbeatD1()).toBe(true);
    expect(member.recentLog().at(-1)?.id).toBe(LogIds.heartbeatFailed.id);
    await c.command(primary, { setParameter: 1, logComponentVerbosity: { replication: { verbosity: -1, heartbeats: { verbosity: 0 } } } });
    expect(heartbeatD1()).toBe(false);
    await c.command(primary, { setParameter: 1, logLevel: 1 });
    // heartbeats' own 0 wins over the default's 1.
    expect(heartbeatD1()).toBe(false);
    c.stopAll();
  });
});
