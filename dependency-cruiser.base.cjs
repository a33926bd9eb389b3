// What every package's .dependency-cruiser.cjs starts from: no import cycles, nothing that does
// not resolve, no npm package that the package.json does not list, source never importing tests
// or dev-only packages at run time. Each package adds the rules of its own layers and runs
// `pnpm deps` (depcruise src test --config .dependency-cruiser.cjs) from its own folder.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: two modules that need each other are one module, or one of them is in the wrong layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to no file or package.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-in-package-json',
      severity: 'error',
      comment: "An npm package this package's package.json does not list: it works only by pnpm hoisting luck. (Tests may use the workspace's tools from the root package.json: vitest, dependency-cruiser.)",
      from: { pathNot: '^test/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'src-not-to-dev-dependency',
      severity: 'error',
      comment: 'Source that runs in production imports a devDependency (types-only imports are fine).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'Source imports a test or test helper.',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    // Other workspace packages are checked by their own configs: record imports into them, do not cruise them.
    doNotFollow: { path: ['node_modules', '^\\.\\./'] },
    // Fixtures hold deliberate wrong imports for the boundaries tests, which check them on their own.
    exclude: { path: ['(^|/)dist/', '^test/fixtures/', '(^|/)\\.dependency-cruiser\\.cjs$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
