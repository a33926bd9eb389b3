/**
 * Where the runtime package's files are on disk, from source (tsx, Vitest) and from a bundle
 * (the built server, which has this module inside its own file, so `import.meta.url` is the
 * bundle's): everything is found from the package's own package.json, resolved by name.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RuntimeKind } from '../worker/messages';

const requireHere = createRequire(import.meta.url);

/** This package's folder (packages/runtime). */
export const runtimePackageRoot = dirname(requireHere.resolve('@rslab/runtime/package.json'));

const requireFromPackage = createRequire(join(runtimePackageRoot, 'package.json'));
const pyodidePackageJson = requireFromPackage.resolve('pyodide/package.json');

/** Pyodide's directory, with a trailing slash (as loadPyodide wants its indexURL). */
export const pyodideDirectory = `${dirname(pyodidePackageJson)}/`;

/** The Pyodide release this package pins (its files are served under a path with it). */
export const pyodideVersion = (requireFromPackage(pyodidePackageJson) as { version: string }).version;

/** Our Python package (pymongo, bson, the console). */
export const pythonSourcesRoot = join(runtimePackageRoot, 'src', 'python', 'py');

/** Running from TypeScript sources (tsx, Vitest) rather than a bundle. */
const fromSource = import.meta.url.endsWith('.ts');

/**
 * The worker_thread file for a runtime: the bundle `scripts/build.mjs` writes (plain node), or
 * from source a small .mjs that registers tsx and imports the TypeScript entry.
 */
export function nodeWorkerFile(runtime: RuntimeKind): string {
  if (fromSource) return join(runtimePackageRoot, 'src', 'node', `${runtime}Worker.mjs`);
  const built = join(runtimePackageRoot, 'dist', `${runtime}-worker.mjs`);
  if (!existsSync(built)) throw new Error(`${built} is missing: run pnpm build`);
  return built;
}
