import * as os from 'node:os';

/** The mongod version sim-mongod reports (`--version`, `buildInfo`). The wire behaviour follows 7.0. */
export const SIM_MONGOD_VERSION = '7.0.14';
export const SIM_MONGOD_VERSION_ARRAY: readonly number[] = [7, 0, 14, 0];
/** Not a MongoDB commit: sim-mongod is not built from mongod's sources. */
export const SIM_MONGOD_GIT_VERSION = 'rslab-sim-mongod';

export interface BuildInfoSummary {
  version: string;
  gitVersion: string;
  openSSLVersion: string;
  modules: string[];
  allocator: string;
  environment: { distmod: string; distarch: string; target_arch: string };
}

export function buildInfoSummary(): BuildInfoSummary {
  const arch = os.arch() === 'x64' ? 'x86_64' : os.arch() === 'arm64' ? 'aarch64' : os.arch();
  return {
    version: SIM_MONGOD_VERSION,
    gitVersion: SIM_MONGOD_GIT_VERSION,
    openSSLVersion: 'none (sim-mongod speaks plain TCP only)',
    modules: [],
    allocator: 'system',
    environment: { distmod: 'rslab-sim', distarch: arch, target_arch: arch },
  };
}

/** What `mongod --version` prints: the `db version` line, then the build info as indented JSON. */
export function versionText(): string {
  return `db version v${SIM_MONGOD_VERSION}\nBuild Info: ${JSON.stringify(buildInfoSummary(), null, 4)}\n`;
}
