import { fileURLToPath } from 'node:url';
import { mongodEngineLivePids } from '../../src/engine/mongodEngine';

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
