import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runTranscript, transcriptSandbox } from '../../src/transcript/run';
import { useMongodEngineApp } from '../helpers/mongodEnv';

// The same transcripts as in the sim engine, on real processes (sim-mongod as the system binary),
// in real time: each takes about half a minute.
const appOf = useMongodEngineApp();

async function run(name: string) {
  const source = await readFile(new URL(`../../transcripts/${name}`, import.meta.url), 'utf8');
  const sandbox = transcriptSandbox(appOf(), `mongod-${name}`);
  expect(sandbox.lab.engine.kind).toBe('mongod');
  const result = await runTranscript(sandbox, source, { speed: 1 });
  return { ...result, sandbox };
}

describe('the walkthrough transcripts in the mongod engine', () => {
  it('runs the 2010 walkthrough as typed on real processes, speaking the learner’s names', async () => {
    const { output, failures, sandbox } = await run('walkthrough-2010.txt');
    expect(failures).toEqual([]);
    expect(output).toContain("{'info2': 'no configuration specified. Using a default configuration for the set', 'me': 'morton.local:27017', 'ok': 1.0}");
    expect(output).toMatch(/pymongo\.errors\.AutoReconnect: /);
    const ports = [...output.matchAll(/>>> db\.connection\.port\n(\d+)/g)].map((m) => m[1]);
    expect(ports).toHaveLength(2);
    expect(ports[0]).not.toBe(ports[1]);
    // No real address leaks to the learner.
    expect(output).not.toMatch(/127\.0\.0\.1:\d+/);
    const snapshot = await sandbox.lab.snapshot();
    expect(snapshot.setName).toBe('foo');
    expect(snapshot.members.map((m) => m.host).sort()).toEqual(['morton.local:27017', 'morton.local:27018', 'morton.local:27019']);
    expect(snapshot.members.filter((m) => m.state === 'PRIMARY').map((m) => m.host)).toEqual([`morton.local:${ports[1]}`]);
    expect(snapshot.members.find((m) => m.host === `morton.local:${ports[0]}`)?.state).toBe('DOWN');
    for (const member of snapshot.members.filter((m) => m.state !== 'DOWN')) {
      expect(Object.keys(member.heartbeats).sort()).toEqual(snapshot.members.map((m) => m.host).filter((h) => h !== member.host).sort());
    }
    const clusterEvents = sandbox.lab.events.all().filter((e) => e.kind === 'electionWon').map((e) => e.member);
    expect(clusterEvents).toEqual([`morton.local:${ports[0]}`, `morton.local:${ports[1]}`]);
  }, 150_000);

  it("runs today's form: rs.initiate with morton.local hosts in mongosh, MongoClient through a failover", async () => {
    const { output, failures, sandbox } = await run('walkthrough-today.txt');
    expect(failures).toEqual([]);
    const addresses = [...output.matchAll(/>>> client\.address\n\('morton\.local', (\d+)\)/g)].map((m) => m[1]);
    expect(addresses).toHaveLength(2);
    expect(addresses[0]).not.toBe(addresses[1]);
    expect(output).not.toMatch(/127\.0\.0\.1:\d+/);
    // The config the learner gave was stored with real addresses and reads back with the learner's.
    const conf = await sandbox.lab.engine.command(`morton.local:${addresses[1]}`, { replSetGetConfig: 1 });
    expect((conf.config as { members: Array<{ host: string }> }).members.map((m) => m.host)).toEqual(['morton.local:27017', 'morton.local:27018', 'morton.local:27019']);
  }, 150_000);
});
