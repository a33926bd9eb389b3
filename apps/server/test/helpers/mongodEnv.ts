import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server';
import { mongodEngineLivePids } from '../../src/engine/mongodEngine';
import { testSettings } from '../../src/settings';

/** sim-mongod, the binary the mongod engine runs in CI. */
export const simMongodBinary = fileURLToPath(new URL('../../../../packages/sim/bin/sim-mongod', import.meta.url));

const variables = ['MONGOMS_SYSTEM_BINARY', 'MONGOMS_RUNTIME_DOWNLOAD', 'MONGOMS_SYSTEM_BINARY_VERSION_CHECK', 'MONGOMS_DOWNLOAD_DIR'] as const;
type Variable = (typeof variables)[number];

/** Set mongodb-memory-server's variables for a test file; returns a function that puts them back. */
export function useMongomsEnv(values: Partial<Record<Variable, string | undefined>>): () => void {
  const saved = new Map(variables.map((name) => [name, process.env[name]]));
  for (const name of variables) {
    if (!(name in values)) continue;
    const value = values[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** Kill whatever real mongod processes are left (a failed test must not leave any behind); returns how many. */
export function killLeftoverMongods(): number {
  const left = mongodEngineLivePids();
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left.length;
}

/**
 * A server app on the mongod engine with sim-mongod as the system binary, for the tests of one
 * file or describe block: built before them, closed after, and no process left behind even when
 * a test failed. Returns a getter for the app.
 */
export function useMongodEngineApp(): () => FastifyInstance {
  let app: FastifyInstance | undefined;
  let restoreEnv: () => void = () => undefined;
  beforeAll(async () => {
    restoreEnv = useMongomsEnv({ MONGOMS_SYSTEM_BINARY: simMongodBinary, MONGOMS_RUNTIME_DOWNLOAD: 'false', MONGOMS_SYSTEM_BINARY_VERSION_CHECK: 'false' });
    app = await buildServer({ settings: testSettings({ engine: 'mongod' }) });
  });
  afterAll(async () => {
    try {
      await app?.close();
      expect(mongodEngineLivePids()).toEqual([]);
    } finally {
      killLeftoverMongods();
      restoreEnv();
    }
  });
  return () => {
    if (!app) throw new Error('the mongod-engine app is not built yet (use it inside a test)');
    return app;
  };
}
