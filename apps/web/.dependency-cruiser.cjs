// @rslab/web's boundaries: the page shares only @rslab/protocol with the server, imports nothing of
// apps/server or packages/sim, and its source runs in a browser (no Node built-ins).
const base = require('../../dependency-cruiser.base.cjs');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  ...base,
  forbidden: [
    ...base.forbidden,
    {
      name: 'web-not-to-server',
      severity: 'error',
      comment: 'The page shares only @rslab/protocol with the server: nothing of apps/server (nor the simulator) is imported.',
      from: {},
      to: { path: '(^|/)apps/server/|^\\.\\./server/|(^|/)packages/sim/|^@rslab/(server|sim)(/|$)' },
    },
    {
      name: 'web-runs-in-a-browser',
      severity: 'error',
      comment: 'Page source runs in a browser: no Node built-ins.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'pure-logic-not-to-components',
      severity: 'error',
      comment: 'Pure logic (cluster/, timeline/, terminal/, lesson/, text/, store/, net/) is plain tested TypeScript; components read it, never the other way.',
      from: { path: '^src/(cluster|timeline|terminal|lesson|text|store|net)/' },
      to: { path: '^src/components/' },
    },
  ],
};
