// Import rules for packages/sim (see DESIGN.md, "Layers inside the simulator"), checked by
// `pnpm --filter @rslab/sim deps`. Layers, bottom up; an import goes down, never up or into a cycle:
//
//   base/                         leaf values: OpTime, ServerError and MongoDB's error codes, crc32c
//   clock/ random/ log/ net/      the doors to the outside (time, randomness, log lines, byte streams)
//   storage/                      databases, collections, the oplog, the journal
//   repl/                         the replica-set protocol:
//     repl/topology/                  the decision core: state and decisions, no I/O, no clock
//     repl/*.ts                       the I/O parts (heartbeats, fetcher, rollback...), wired by coordinator.ts
//   commands/                     command implementations
//   wire/                         the wire protocol (serves a CommandHandler over a Network)
//   member/                       one mongod: wires repl, storage and commands together
//   cli/ harness/ simulate/ recording/  entry points; index.ts is the package's public API
//
// Determinism (no Date.now, setTimeout, Math.random, node:net outside the real adapters) is an
// ESLint rule (eslint.config.js), not one of these.

/** `^src/(a|b)/`: a path under one of these folders of src/. */
function under(...folders) {
  return `^src/(${folders.join('|')})/`;
}

const ENTRY_POINTS = ['cli', 'harness', 'simulate', 'recording'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules form layers; a cycle means two of them are one module or a dependency points the wrong way.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'base-is-a-leaf',
      severity: 'error',
      comment: 'base/ holds value types every layer uses; it imports nothing else of the simulator.',
      from: { path: under('base') },
      to: { path: '^src/', pathNot: under('base') },
    },
    {
      name: 'doors-import-only-base',
      severity: 'error',
      comment: 'clock/, random/, log/ and net/ are below storage: they import only base/ and each other.',
      from: { path: under('clock', 'random', 'log', 'net') },
      to: { path: '^src/', pathNot: under('base', 'clock', 'random', 'log', 'net') },
    },
    {
      name: 'storage-below-repl',
      severity: 'error',
      comment: 'storage/ imports nothing of repl/, commands/, wire/, member/ (nor net/ or the entry points): types it must persist are its own (storage/replState.ts).',
      from: { path: under('storage') },
      to: { path: under('repl', 'commands', 'wire', 'member', 'net', ...ENTRY_POINTS) },
    },
    {
      name: 'repl-below-commands',
      severity: 'error',
      comment: 'repl/ imports nothing of commands/, wire/, member/ (nor net/ or the entry points): it reaches peers through the ports it is given.',
      from: { path: under('repl') },
      to: { path: under('commands', 'wire', 'member', 'net', ...ENTRY_POINTS) },
    },
    {
      name: 'repl-topology-does-no-io',
      severity: 'error',
      comment:
        'repl/topology/ decides from its state and one event and returns actions: it imports no clock, network, storage engine or I/O part of repl/ — only value modules (base/, log ids, the seeded Random, the oplog and durable-state types, the config, member states, events, parameters).',
      from: { path: '^src/repl/topology/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/base/',
          '^src/log/ids\\.ts$',
          '^src/random/random\\.ts$',
          '^src/storage/(oplog|replState)\\.ts$',
          '^src/repl/topology/',
          '^src/repl/(config|state|events|parameters|persisted)\\.ts$',
        ],
      },
    },
    {
      name: 'repl-coordinator-on-top',
      severity: 'error',
      comment: 'repl/coordinator.ts wires the core and the I/O parts; none of them imports it.',
      from: { path: '^src/repl/', pathNot: '^src/repl/coordinator\\.ts$' },
      to: { path: '^src/repl/coordinator\\.ts$' },
    },
    {
      name: 'repl-core-is-private',
      severity: 'error',
      comment: 'Outside repl/ the protocol is used through ReplCoordinator (repl/coordinator.ts), never its core directly.',
      from: { path: '^src/', pathNot: '^src/repl/' },
      to: { path: '^src/repl/topology/' },
    },
    {
      name: 'commands-below-wire',
      severity: 'error',
      comment: 'commands/ imports nothing of wire/, member/ (nor net/ or the entry points): what they need of the member is an interface they own (commands/serverNode.ts, commands/crud/context.ts).',
      from: { path: under('commands') },
      to: { path: under('wire', 'member', 'net', ...ENTRY_POINTS) },
    },
    {
      name: 'wire-knows-no-member',
      severity: 'error',
      comment: 'wire/ serves any CommandHandler: it imports nothing of repl/, storage/, member/ or the entry points.',
      from: { path: under('wire') },
      to: { path: under('repl', 'storage', 'member', ...ENTRY_POINTS) },
    },
    {
      name: 'member-below-entry-points',
      severity: 'error',
      comment: 'member/ is used by the entry points, never the other way round.',
      from: { path: under('member') },
      to: { path: under(...ENTRY_POINTS) },
    },
    {
      name: 'cli-is-its-own-entry-point',
      severity: 'error',
      comment: 'sim-mongod (cli/) runs a real process; it imports neither the in-process harness nor the simulator.',
      from: { path: under('cli') },
      to: { path: under('harness', 'simulate') },
    },
    {
      name: 'nothing-imports-the-index',
      severity: 'error',
      comment: 'src/index.ts is the public API for other packages; modules inside import each other directly.',
      from: { path: '^src/' },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'src-imports-no-tests',
      severity: 'error',
      comment: 'Code under src/ never depends on test/ or bench/.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing would fail at run time.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    // Only the simulator's own modules: packages (bson, mingo, node:*) are not layered here.
    includeOnly: '^src/',
  },
};
