import { MongoBinary } from 'mongodb-memory-server-core';

/** Our own error when the `mongod` engine has no binary to run; its message says what to set. */
export class MongodBinaryMissingError extends Error {
  override readonly name = 'MongodBinaryMissingError';
}

/** The environment variables mongodb-memory-server reads to find or fetch a binary. */
const relevantVariables = ['MONGOMS_SYSTEM_BINARY', 'MONGOMS_RUNTIME_DOWNLOAD', 'MONGOMS_DOWNLOAD_DIR', 'MONGOMS_VERSION'] as const;

let cached: { key: string; path: Promise<string> } | null = null;

export function missingBinaryMessage(reason: string): string {
  return (
    'the mongod engine (RSLAB_ENGINE=mongod) has no mongod binary to run: ' +
    'set MONGOMS_SYSTEM_BINARY to a mongod binary (packages/sim/bin/sim-mongod works), ' +
    'or set MONGOMS_RUNTIME_DOWNLOAD=true so mongodb-memory-server downloads one, ' +
    `or start the server with RSLAB_ENGINE=sim (${reason})`
  );
}

/**
 * The mongod binary mongodb-memory-server resolves: `MONGOMS_SYSTEM_BINARY` if set, else one
 * already downloaded, else a download (unless `MONGOMS_RUNTIME_DOWNLOAD=false`). Resolved once per
 * setting of those variables: the system-binary check runs `mongod --version` synchronously, which
 * must not happen on every start. Rejects with `MongodBinaryMissingError`.
 */
export function resolveMongodBinary(): Promise<string> {
  const key = relevantVariables.map((name) => `${name}=${process.env[name] ?? ''}`).join('\n');
  if (cached?.key === key) return cached.path;
  const path = MongoBinary.getPath().catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MongodBinaryMissingError(missingBinaryMessage(reason.split('\n')[0] ?? reason));
  });
  cached = { key, path };
  return path;
}
