import { describe, expect, it } from 'vitest';
import { appPerFile } from '../helpers/appPerFile';
import { TranscriptSession } from '../../src/transcript/run';

const app = appPerFile();

describe('sandbox isolation', () => {
  it("one sandbox's driver cannot reach another sandbox's members, though both use morton.local:27017", async () => {
    const owner = new TranscriptSession(app().sandboxes.obtain('owner').sandbox, { speed: 5 });
    expect(await owner.run('mongod --port 27017 --dbpath /data/db\n# expect listening on port 27017')).toEqual([]);
    const stranger = new TranscriptSession(app().sandboxes.obtain('stranger').sandbox, { speed: 5 });
    const failures = await stranger.run(
      [
        'python',
        'from pymongo import Connection',
        'Connection("morton.local:27017", slave_okay=True)',
        // PyMongo 1.8's constructor raised AutoReconnect when it could not connect; ConnectionFailure
        // came with 2.4 (PYTHON-396; A. Jesse Jiryu Davis, "Breaking Change In PyMongo", 2012-12-01).
        '# expect pymongo.errors.AutoReconnect',
        '# expect Connection refused',
      ].join('\n'),
    );
    expect(failures).toEqual([]);
    // The owner's own driver does reach it.
    expect(await owner.run('python\nfrom pymongo import Connection\nConnection("morton.local:27017", slave_okay=True)\n# expect-not Traceback')).toEqual([]);
  }, 60_000);

  it('gives each sandbox its own process table and refuses a port taken in the same sandbox only', async () => {
    const a = new TranscriptSession(app().sandboxes.obtain('a').sandbox, { speed: 5 });
    const b = new TranscriptSession(app().sandboxes.obtain('b').sandbox, { speed: 5 });
    expect(await a.run('mongod --port 27018 --dbpath /data/x\n# expect listening')).toEqual([]);
    expect(await b.run('mongod --port 27018 --dbpath /data/x\n# expect listening')).toEqual([]);
    expect(await a.run('mongod --port 27018 --dbpath /data/y\n# expect Address already in use')).toEqual([]);
    expect(await a.run('kill 1\n# expect No such process')).toEqual([]);
  }, 60_000);
});
