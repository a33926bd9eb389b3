import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/harness/cluster';

// Stable API parameters (manual "Stable API"; api_parameters.cpp): apiVersion must be "1",
// apiStrict needs an apiVersion, and apiStrict: true refuses commands and stages outside Version 1
// with APIStrictError (the versioned-api spec's strict and runCommand-helper tests).
describe('Stable API parameters', () => {
  it('checks apiVersion, apiStrict and the Version 1 command and stage lists', async () => {
    const c = new Cluster({ members: 1, seed: 61 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    expect(await c.command(primary, { ping: 1, apiVersion: '1', apiStrict: true })).toMatchObject({ ok: 1 });
    expect(await c.command(primary, { ping: 1, apiVersion: 'server_will_never_support_this_api_version' })).toMatchObject({ ok: 0, code: 322, codeName: 'APIVersionError' });
    expect(await c.command(primary, { ping: 1, apiStrict: true })).toMatchObject({ ok: 0, code: 4886600 });
    const distinct = await c.command(primary, { distinct: 'c', key: 'x', apiVersion: '1', apiStrict: true }, { db: 'test' });
    expect(distinct).toMatchObject({ ok: 0, code: 323, codeName: 'APIStrictError' });
    expect(distinct.errmsg).toContain('command distinct is not in API Version 1');
    // Without apiStrict a command outside Version 1 runs.
    expect(await c.command(primary, { distinct: 'c', key: 'x', apiVersion: '1' }, { db: 'test' })).toMatchObject({ ok: 1 });
    const sessions = await c.command(primary, { aggregate: 1, pipeline: [{ $listLocalSessions: {} }], cursor: {}, apiVersion: '1', apiStrict: true });
    expect(sessions).toMatchObject({ ok: 0, codeName: 'APIStrictError' });
  });
});
