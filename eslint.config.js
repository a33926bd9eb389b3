import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// The simulator is deterministic: time, randomness and sockets come in through clock/, random/
// and net/. Only the real adapters and the CLI entry point may touch the outside world.
const simDeterminism = {
  files: ['packages/sim/src/**/*.ts'],
  ignores: ['packages/sim/src/clock/real*.ts', 'packages/sim/src/net/tcp*.ts', 'packages/sim/src/cli/**'],
  rules: {
    'no-restricted-globals': [
      'error',
      { name: 'setTimeout', message: 'Use the injected Clock (clock/).' },
      { name: 'setInterval', message: 'Use the injected Clock (clock/).' },
      { name: 'setImmediate', message: 'Use the injected Clock (clock/).' },
      { name: 'performance', message: 'Use the injected Clock (clock/).' },
    ],
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message: 'Use the injected Clock (clock/).' },
      { object: 'Math', property: 'random', message: 'Use the seeded Random (random/).' },
      { object: 'process', property: 'hrtime', message: 'Use the injected Clock (clock/).' },
    ],
    'no-restricted-syntax': [
      'error',
      {
        selector: "NewExpression[callee.name='Date'][arguments.length=0]",
        message: 'new Date() reads the wall clock: use the injected Clock (clock/).',
      },
    ],
    'no-restricted-imports': [
      'error',
      {
        paths: [
          { name: 'node:net', message: 'Use the injected Network (net/).' },
          { name: 'net', message: 'Use the injected Network (net/).' },
          { name: 'node:timers', message: 'Use the injected Clock (clock/).' },
          { name: 'node:crypto', importNames: ['randomBytes', 'randomInt', 'randomUUID'], message: 'Use the seeded Random (random/).' },
        ],
      },
    ],
  },
};

// packages/sim: rules that need type information (the package's tsconfig.json), so that a promise
// nobody awaits or handles is an error rather than a silently lost failure.
const simTypeAware = {
  files: ['packages/sim/src/**/*.ts', 'packages/sim/test/**/*.ts'],
  languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  rules: {
    '@typescript-eslint/no-floating-promises': 'error',
  },
};

// Type-aware rules (the TypeScript project of each file, found by the project service): a promise
// nobody awaits, returns or hands on is an error swallowed. packages/sim adds its own block.
const typeAware = {
  files: [
    'apps/*/src/**/*.{ts,tsx}',
    'apps/*/test/**/*.{ts,tsx}',
    'packages/protocol/src/**/*.ts',
    'packages/protocol/test/**/*.ts',
    'e2e/**/*.ts',
    'bench/**/*.ts',
    'scripts/**/*.mjs',
  ],
  ignores: ['**/test/fixtures/**'],
  languageOptions: {
    parserOptions: {
      projectService: { allowDefaultProject: ['scripts/*.mjs'] },
      tsconfigRootDir: import.meta.dirname,
    },
  },
  rules: {
    // `void promise` counts too: a rejection must reach a handler that says what failed.
    '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
  },
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/test-results/**', '**/playwright-report/**', '.rslab-data/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['apps/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    // dependency-cruiser's configs are CommonJS.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  typeAware,
  simDeterminism,
  simTypeAware,
);
