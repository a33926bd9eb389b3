// @rslab/protocol's boundaries: the page loads it, so it stays browser-safe and imports nothing but
// its own dependencies (TypeBox): no Node built-ins, no other workspace package, nothing outside
// this folder.
const base = require('../../dependency-cruiser.base.cjs');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  ...base,
  forbidden: [
    ...base.forbidden,
    {
      name: 'protocol-browser-safe',
      severity: 'error',
      comment: 'The page imports this package: no Node built-ins (node:crypto, node:fs, ...).',
      from: { path: '^src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'protocol-only-its-deps',
      severity: 'error',
      comment: 'The protocol is the bottom of the server and the web: it imports nothing of theirs, nor of any other workspace package.',
      from: {},
      to: { path: '^\\.\\./', pathNot: '(^|/)node_modules/' },
    },
  ],
};
