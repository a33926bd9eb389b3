// @rslab/e2e's boundaries: the tests drive the built app through a browser and HTTP, as a learner
// would; they import nothing of the apps' or the simulator's source except the node options the
// server is started with.
const base = require('../dependency-cruiser.base.cjs');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  ...base,
  forbidden: [
    ...base.forbidden.filter((rule) => !rule.name.startsWith('src-')),
    {
      name: 'e2e-through-the-browser',
      severity: 'error',
      comment: 'End-to-end tests use the app as a learner does; the only source they import is how to start the server.',
      from: {},
      to: { path: '^\\.\\./(apps|packages)/', pathNot: ['^\\.\\./apps/server/src/nodeFlags\\.ts$', '(^|/)node_modules/'] },
    },
  ],
};
