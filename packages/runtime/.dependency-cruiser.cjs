// @rslab/runtime's boundaries. Its code runs on the learner's side (a browser tab and its Web
// Workers) and, for CI and transcripts, in Node: only src/node/ (and the Node vm environment of
// mongosh, and the Vite aliases used at build time) may use Node built-ins. The host and its sync
// bridge know no language; the languages (python/, mongosh/) know no host. It shares only
// @rslab/protocol with the server and the page, and imports nothing of apps/ or the simulator.
const base = require('../../dependency-cruiser.base.cjs');

/** A rule: modules under `from` import nothing under `to`. */
const forbid = (name, comment, from, to) => ({ name, severity: 'error', comment, from: { path: from }, to: { path: to } });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  ...base,
  forbidden: [
    ...base.forbidden,
    forbid('runtime-not-to-apps', 'The runtimes share only @rslab/protocol with the server and the page: nothing of apps/ or the simulator.', '.', '(^|/)apps/|(^|/)packages/sim/|^@rslab/(server|sim|web)(/|$)'),
    {
      name: 'runtime-runs-in-a-browser',
      severity: 'error',
      comment: 'The host, the bridge and the runtimes run in a browser tab and its workers: no Node built-ins outside src/node/ (and the Node vm environment of mongosh, and the Vite aliases).',
      from: { path: '^src/', pathNot: '^src/node/|^src/mongosh/environment/node\\.ts$|^src/mongosh/browser/aliases\\.ts$' },
      // `events` is the npm package of that name in the browser (the Vite aliases point it there).
      to: { dependencyTypes: ['core'], pathNot: '^events$' },
    },
    forbid('host-knows-no-language', 'The runtime host and its sync bridge run any runtime through the worker messages; they import no language.', '^src/(host|bridge|worker)/', '^src/(python|mongosh|node)/'),
    forbid('languages-know-no-host', 'A runtime (python/, mongosh/) speaks the worker messages over the bridge; it imports neither the host nor the Node side.', '^src/(python|mongosh)/', '^src/(host|node)/'),
  ],
};
