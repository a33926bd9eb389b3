import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const shim = (name: string): string => fileURLToPath(new URL(`./shims/${name}.ts`, import.meta.url));

/**
 * What Vite must substitute for the Node built-ins mongosh's packages import, so they run in a
 * Web Worker: Node's own `inspect` (extracted), the `events` package, `path-browserify`, and
 * empty stand-ins for modules they import but never reach in a browser (v8 snapshots, md5).
 */
export const mongoshBrowserAliases = [
  { find: /^(node:)?util$/, replacement: shim('util') },
  { find: /^(node:)?events$/, replacement: require.resolve('events/') },
  { find: /^(node:)?path$/, replacement: require.resolve('path-browserify') },
  { find: /^(node:)?assert$/, replacement: shim('assert') },
  { find: /^(node:)?(v8|crypto)$/, replacement: shim('empty') },
  { find: /^@mongodb-js\/mongodb-ts-autocomplete$/, replacement: shim('noTypescriptAutocomplete') },
];
