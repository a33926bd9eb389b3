import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server';
import { testSettings } from '../../src/settings';
import { runTranscript, transcriptSandbox } from '../../src/transcript/run';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildServer({ settings: testSettings() });
});
afterAll(async () => {
  await app.close();
});

async function run(name: string) {
  const source = await readFile(new URL(`../../transcripts/${name}`, import.meta.url), 'utf8');
  return runTranscript(transcriptSandbox(app, name), source, { speed: 5 });
}

describe('the walkthrough transcripts in the sim engine', () => {
  it('runs the 2010 walkthrough as typed: initiate, five connections, AutoReconnect, new primary', async () => {
    const { output, failures } = await run('walkthrough-2010.txt');
    expect(failures).toEqual([]);
    expect(output).toContain("{'info2': 'no configuration specified. Using a default configuration for the set', 'me': 'morton.local:27017', 'ok': 1.0}");
    expect(output).toMatch(/pymongo\.errors\.AutoReconnect: /);
    const ports = [...output.matchAll(/>>> db\.connection\.port\n(\d+)/g)].map((m) => m[1]);
    expect(ports).toHaveLength(2);
    expect(ports[0]).not.toBe(ports[1]);
  }, 120_000);

  it("runs today's form: plain --replSet, rs.initiate with a config, MongoClient reading through a failover", async () => {
    const { output, failures } = await run('walkthrough-today.txt');
    expect(failures).toEqual([]);
    const addresses = [...output.matchAll(/>>> client\.address\n\('morton\.local', (\d+)\)/g)].map((m) => m[1]);
    expect(addresses).toHaveLength(2);
    expect(addresses[0]).not.toBe(addresses[1]);
  }, 120_000);
});
