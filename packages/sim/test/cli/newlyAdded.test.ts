import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MongoClient } from 'mongodb';
import type { Document } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, killAll, startSimMongod, waitForOutput } from './spawn';
import { startProcessSet, waitUntil } from './replSetProcesses';

/**
 * rs.add on sim-mongod processes through the official driver, as MongoDB 7.0 does it
 * (replication_coordinator_impl.cpp processReplSetReconfig / _reconfigToRemoveNewlyAddedField,
 * replset_commands.cpp CmdReplSetGetConfig): the new voter is `newlyAdded: true` in the installed
 * config — shown by replSetGetConfig only with the test-only `$_internalIncludeNewlyAdded`, and held
 * in local.system.replset — and counts as no voter, so a one-member set takes a member that is not
 * even running yet (the quorum check needs the primary alone). Once the member has synced and is
 * SECONDARY, the primary's automatic reconfig installs the config again at version + 1 without it.
 */

const children: ChildProcess[] = [];
afterEach(() => killAll(children));

describe('newlyAdded on sim-mongod processes', () => {
  it('rs.conf() of an added member: newlyAdded while it is not synced, gone at the next version once it is SECONDARY', { timeout: 90_000 }, async () => {
    const set = await startProcessSet(1, ['--setParameter', 'enableTestCommands=1'], children);
    const port = await freePort();
    const added = `127.0.0.1:${port}`;
    const client = new MongoClient(`mongodb://${set.hosts[0]}/?directConnection=true&serverSelectionTimeoutMS=10000`);
    try {
      const admin = client.db('admin');
      await client.db('test').collection('c').insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i })) as Document[]);
      await waitUntil('a committed config', async () => ((await admin.command({ replSetGetConfig: 1, commitmentStatus: true })).commitmentStatus === true ? true : undefined), 20_000);
      const conf = (await admin.command({ replSetGetConfig: 1 })).config as Document;
      const addedVersion = (conf.version as number) + 1;
      // The member is not started yet: as a newlyAdded member it is not needed for the quorum check.
      const reply = await admin.command({ replSetReconfig: { ...conf, version: addedVersion, members: [...(conf.members as Document[]), { _id: 1, host: added }] } });
      expect(reply.ok).toBe(1);
      const marked = (await admin.command({ replSetGetConfig: 1, $_internalIncludeNewlyAdded: true })).config as Document;
      expect(marked.version).toBe(addedVersion);
      expect(marked.members[1]).toMatchObject({ _id: 1, host: added, newlyAdded: true, votes: 1 });
      const plain = (await admin.command({ replSetGetConfig: 1 })).config as Document;
      expect(plain.members[1]).not.toHaveProperty('newlyAdded');
      const stored = await client.db('local').collection('system.replset').findOne({});
      expect(stored?.members[1]).toMatchObject({ newlyAdded: true });
      const status = await admin.command({ replSetGetStatus: 1 });
      expect(status).toMatchObject({ votingMembersCount: 1, majorityVoteCount: 1, writeMajorityCount: 1 });

      const dbpath = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-mongod-added-'));
      const proc = startSimMongod(['--port', String(port), '--bind_ip', '127.0.0.1', '--replSet', 'rs0', '--dbpath', dbpath], children);
      await waitForOutput(proc, 'Waiting for connections');
      const unmarked = await waitUntil(
        'the newlyAdded mark to go',
        async () => {
          const config = (await admin.command({ replSetGetConfig: 1, $_internalIncludeNewlyAdded: true })).config as Document;
          return config.version > addedVersion ? config : undefined;
        },
        60_000,
      );
      expect(unmarked.version).toBe(addedVersion + 1);
      expect(unmarked.members[1]).not.toHaveProperty('newlyAdded');
      const after = await admin.command({ replSetGetStatus: 1 });
      expect((after.members as Document[])[1]).toMatchObject({ name: added, stateStr: 'SECONDARY' });
      expect(after).toMatchObject({ votingMembersCount: 2, majorityVoteCount: 2, writeMajorityCount: 2 });
      fs.rmSync(dbpath, { recursive: true, force: true });
    } finally {
      await client.close();
    }
  });
});
