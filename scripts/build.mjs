#!/usr/bin/env node
// Bundles the TypeScript entry points to JavaScript with esbuild, so what runs in production is
// plain `node` on built files (tsx is a dev and test tool only). `node scripts/build.mjs` builds
// every entry; `node scripts/build.mjs sim-mongod` only the named ones. To bundle another entry
// (a worker, a CLI), add one line to ENTRIES.
//
// Each build also writes `<outfile>.inputs.json`: the source files that went into it and when the
// build started. packages/sim/bin/sim-mongod reads it to rebuild its bundle when a source is newer
// (or gone), so a fresh clone and an edited tree both run what the sources say.
import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = realpathSync(resolve(dirname(fileURLToPath(import.meta.url)), '..'));

/**
 * What gets built. `bundle`:
 * - `all`: every dependency goes into the file (sim-mongod: one file that starts fast and needs
 *   nothing from node_modules at run time);
 * - `workspace`: only our own packages (`@rslab/*`) go in; other packages stay imports of the
 *   files node would load, so the server shares one copy of `bson` with the driver as it does
 *   when run from source.
 * `format`: `cjs` starts faster (node loads built-in modules for CommonJS without wrapping each
 * one as an ES module); `esm` where the entry needs it (top-level await, import.meta).
 * `lazy`: modules loaded only when first used (see `lazyModules` below).
 */
export const ENTRIES = [
  { name: 'sim-mongod', entry: 'packages/sim/src/cli/main.ts', outfile: 'packages/sim/dist/sim-mongod.cjs', format: 'cjs', bundle: 'all', lazy: ['mingo-engine'] },
  { name: 'server', entry: 'apps/server/src/main.ts', outfile: 'apps/server/dist/main.mjs', format: 'esm', bundle: 'workspace' },
  // The sandbox worker thread (RSLAB_SANDBOX_WORKERS > 0): the server starts it from beside its own bundle.
  { name: 'sandbox-worker', entry: 'apps/server/src/workspace/sandboxWorker.ts', outfile: 'apps/server/dist/sandbox-worker.mjs', format: 'esm', bundle: 'workspace' },
  // The client runtimes as worker_threads, for a server that runs them itself (transcripts, CI; RSLAB_SERVER_RUNTIMES=1).
  { name: 'python-worker', entry: 'packages/runtime/src/node/pythonWorkerEntry.ts', outfile: 'packages/runtime/dist/python-worker.mjs', format: 'esm', bundle: 'workspace' },
  { name: 'mongosh-worker', entry: 'packages/runtime/src/node/mongoshWorkerEntry.ts', outfile: 'packages/runtime/dist/mongosh-worker.mjs', format: 'esm', bundle: 'workspace' },
];

/**
 * Modules an `all` bundle leaves out of its main file and loads on first use, each a CommonJS
 * file beside it (loaded with a synchronous require, so callers stay synchronous). `loader` is the
 * module that, run from source, imports `module` statically; in the bundle it requires the file.
 */
const lazyModules = {
  'mingo-engine': {
    // mingo with every operator: the first query needs it, the first connection (hello) does not.
    module: 'packages/sim/src/storage/mingoEngine.ts',
    loader: 'packages/sim/src/storage/mingoEngineLoader.ts',
    suffix: 'mingo',
  },
};

function esbuildApi() {
  // esbuild is a devDependency of the workspace root.
  return createRequire(join(root, 'package.json'))('esbuild');
}

/**
 * mingo publishes CommonJS under the `node` condition and ES modules under `default`; the ES
 * modules bundle into one scope with no interop wrapper per file (bundled from the CommonJS files,
 * sim-mongod took about 60 ms longer to start).
 */
function mingoAsEsm() {
  const pkgDir = dirname(createRequire(join(root, 'packages/sim/package.json')).resolve('mingo/package.json'));
  const exportsMap = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).exports;
  return {
    name: 'mingo-esm',
    setup(build) {
      build.onResolve({ filter: /^mingo(\/|$)/ }, (args) => {
        const key = args.path === 'mingo' ? '.' : `./${args.path.slice('mingo/'.length)}`;
        const target = exportsMap[key]?.default;
        if (typeof target !== 'string') throw new Error(`build: mingo has no export ${key}`);
        return { path: join(pkgDir, target) };
      });
    },
  };
}

/**
 * Leaves every non-workspace package out of the bundle, as an import of the file node resolves it
 * to from the importing source file (a relative path from the output: a workspace package's own
 * dependencies are not visible from the server's folder by name).
 */
function externalPackages(outfile) {
  return {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith('node:') || args.path.startsWith('@rslab/')) return undefined;
        if (args.pluginData === 'external-packages') return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'external-packages' });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (resolved.external) return { path: args.path, external: true };
        let path = relative(dirname(resolve(root, outfile)), resolved.path).split('\\').join('/');
        if (!path.startsWith('.')) path = `./${path}`;
        return { path, external: true };
      });
    },
  };
}

/** In an `all` bundle, a lazy module's loader requires the CommonJS file beside the bundle. */
function lazyLoaders(entry) {
  const names = entry.lazy ?? [];
  return {
    name: 'lazy-loaders',
    setup(build) {
      for (const name of names) {
        const lazy = lazyModules[name];
        // esbuild matches on real paths (symlinks resolved).
        const loaderPath = realpathSync(resolve(root, lazy.loader));
        const file = `./${lazyFileName(entry, name)}`;
        build.onLoad({ filter: new RegExp(`${escapeRegExp(loaderPath)}$`) }, () => ({
          loader: 'js',
          contents: [
            `import { createRequire } from 'node:module';`,
            `let loaded;`,
            `// Built from ${lazy.loader}: requires ${file} (${lazy.module} and its dependencies) on first call.`,
            `export function loadEngine() {`,
            `  loaded ??= createRequire(${entry.format === 'cjs' ? '__filename' : 'import.meta.url'})(${JSON.stringify(file)});`,
            `  return loaded;`,
            `}`,
          ].join('\n'),
        }));
      }
    },
  };
}

function lazyFileName(entry, name) {
  const base = entry.outfile.split('/').pop().replace(/\.[mc]?js$/, '');
  return `${base}.${lazyModules[name].suffix}.cjs`;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const banner = [
  // Bundled CommonJS packages call require(); an ES module has none of its own.
  "import { createRequire as __rslabCreateRequire } from 'node:module';",
  'const require = __rslabCreateRequire(import.meta.url);',
].join(' ');

function commonOptions() {
  return { bundle: true, platform: 'node', target: 'node20', sourcemap: true, metafile: true, write: false, logLevel: 'silent', legalComments: 'none' };
}

/** Runs one esbuild build; a warning fails it too (e.g. import.meta in a CommonJS bundle would be empty). */
async function esbuildOnce(options) {
  const esbuild = esbuildApi();
  let result;
  try {
    result = await esbuild.build(options);
  } catch (error) {
    const messages = error && Array.isArray(error.errors) ? esbuild.formatMessagesSync(error.errors, { kind: 'error' }).join('\n') : String(error);
    throw new Error(`build: ${options.entryPoints.join(', ')} failed:\n${messages}`, { cause: error });
  }
  if (result.warnings.length > 0) {
    throw new Error(`build: ${options.entryPoints.join(', ')} has warnings:\n${esbuild.formatMessagesSync(result.warnings, { kind: 'warning' }).join('\n')}`);
  }
  return result;
}

/** Writes esbuild's output files atomically (write aside, then rename), so a reader never sees half a file. */
function writeOutputs(outputFiles) {
  for (const file of outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    const aside = `${file.path}.${process.pid}.tmp`;
    writeFileSync(aside, file.contents);
    renameSync(aside, file.path);
  }
}

function inputsOf(metafile) {
  return Object.keys(metafile.inputs)
    .filter((path) => !path.startsWith('<'))
    .map((path) => relative(root, resolve(root, path)).split('\\').join('/'));
}

/** Builds one entry (and its lazy modules); returns the files written. */
export async function buildEntry(entry) {
  const startedMillis = Date.now();
  const outfile = resolve(root, entry.outfile);
  const plugins = entry.bundle === 'all' ? [lazyLoaders(entry), mingoAsEsm()] : [externalPackages(entry.outfile)];
  const results = [];
  results.push(
    await esbuildOnce({
      ...commonOptions(),
      absWorkingDir: root,
      entryPoints: [resolve(root, entry.entry)],
      outfile,
      format: entry.format,
      ...(entry.format === 'esm' ? { banner: { js: banner } } : {}),
      plugins,
    }),
  );
  for (const name of entry.lazy ?? []) {
    const lazy = lazyModules[name];
    results.push(
      await esbuildOnce({
        ...commonOptions(),
        absWorkingDir: root,
        entryPoints: [resolve(root, lazy.module)],
        outfile: join(dirname(outfile), lazyFileName(entry, name)),
        format: 'cjs',
        plugins: [mingoAsEsm()],
      }),
    );
  }
  for (const result of results) writeOutputs(result.outputFiles);
  // Our own sources only: a stat of each of mingo's ~300 files would cost the bin several ms per
  // start. Packages change with the lockfile, which is listed, as is this script.
  const inputs = [...new Set(results.flatMap((result) => inputsOf(result.metafile)))].filter((path) => !path.includes('node_modules/')).sort();
  inputs.push('scripts/build.mjs', 'pnpm-lock.yaml');
  const written = results.flatMap((result) => result.outputFiles.map((file) => relative(root, file.path)));
  writeFileSync(`${outfile}.inputs.json`, `${JSON.stringify({ startedMillis, inputs, outputs: written }, null, 1)}\n`);
  return written;
}

/** Builds the named entries (all when `names` is empty). */
export async function build(names = []) {
  const unknown = names.filter((name) => !ENTRIES.some((entry) => entry.name === name));
  if (unknown.length > 0) throw new Error(`build: no entry named ${unknown.join(', ')} (entries: ${ENTRIES.map((e) => e.name).join(', ')})`);
  const chosen = names.length === 0 ? ENTRIES : ENTRIES.filter((entry) => names.includes(entry.name));
  const written = [];
  for (const entry of chosen) written.push(...(await buildEntry(entry)));
  return written;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const began = Date.now();
  const names = process.argv.slice(2);
  build(names)
    .then((written) => {
      const bytes = written.filter((file) => !file.endsWith('.map')).reduce((sum, file) => sum + statSync(join(root, file)).size, 0);
      console.log(`built ${written.filter((file) => !file.endsWith('.map')).join(', ')} (${Math.round(bytes / 1024)} KiB, ${Date.now() - began} ms)`);
    })
    .catch((error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
