// @rslab/server's layers, bottom up (an import goes down, never up):
//   settings, nodeFlags, mongod/ (the mongod flag model), timeline/ (the event log)
//   driver/     the driver gateway and the SOCKS bridge
//   engine/     sim and mongod engines
//   sandbox/    Lab: a learner's cluster, gateway, timeline, record, controls
//   lessons/    lesson data and checks over a LabView
//   shell/      the servers shell (bash), a pure language
//   runtime/    client runtimes (Python, mongosh) as a tab's interpreter, and the driver RPC they call
//   terminal/   a tab: a stack of interpreters
//   workspace/  Sandbox: a Lab tied to its lesson and terminals; SandboxManager
//   transcript/ typing transcripts into a sandbox; rooms/ the classroom domain
//   plugins/ (services) -> routes/ (HTTP), ws/ (WebSockets) -> app.ts -> server.ts -> main.ts
const base = require('../../dependency-cruiser.base.cjs');

/** A rule: modules under `from` import nothing under `to`. */
const forbid = (name, comment, from, to) => ({ name, severity: 'error', comment, from: { path: from }, to: { path: to } });
const api = '^src/(plugins|routes|ws)/|^src/(app|server|main)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  ...base,
  forbidden: [
    ...base.forbidden,
    forbid('leaves-import-nothing-of-ours', 'settings, node flags, the mongod flag model and the timeline are the bottom layer.', '^src/(settings|nodeFlags)\\.ts$|^src/(mongod|timeline)/', '^src/(?!mongod/|timeline/)'),
    forbid('driver-not-to-shell', 'The driver gateway runs driver calls for any client; it knows no shell, engine, sandbox or API.', '^src/driver/', '^src/(?!driver/|timeline/)'),
    forbid('engine-below-sandbox', 'Engines import only the driver route, the mongod flag model and the timeline: no shell, no lesson, no API.', '^src/engine/', '^src/(?!engine/|driver/|mongod/|timeline/)'),
    forbid('sandbox-below-lessons-and-terminals', 'A sandbox (Lab) knows neither its lesson nor its terminals nor the API: workspace/ ties those to it.', '^src/sandbox/', '^src/(?!sandbox/|engine/|driver/|mongod/|timeline/)'),
    forbid('lessons-read-a-view', 'Lessons and checks read a LabView; they never reach shells, terminals, workspaces, rooms or the API.', '^src/lessons/', '^src/(shell|terminal|workspace|transcript|rooms|plugins|routes|ws)/'),
    forbid('shell-below-sandboxes', 'The shell languages know no sandbox, engine, lesson, room or API (the bash host is given to them).', '^src/shell/', '^src/(sandbox|engine|lessons|runtime|terminal|workspace|transcript|rooms|plugins|routes|ws)/'),
    forbid('runtime-below-sandboxes', 'A client runtime forwards lines to the page that runs it and runs its driver calls through the gateway; it knows no sandbox, engine, terminal, lesson, room or API.', '^src/runtime/', '^src/(sandbox|engine|lessons|terminal|workspace|transcript|rooms|plugins|routes|ws)/'),
    forbid('terminal-below-sandboxes', 'A terminal runs interpreters; it knows no sandbox, engine, driver, lesson, room or API.', '^src/terminal/', '^src/(sandbox|engine|driver|lessons|workspace|transcript|rooms|plugins|routes|ws)/'),
    forbid('workspace-below-api', 'Sandboxes and their manager know no room, transcript runner or API.', '^src/workspace/', '^src/(transcript|rooms|plugins|routes|ws)/'),
    forbid('domain-not-to-api', 'Only the API layer (plugins/, routes/, ws/, app.ts, server.ts, main.ts) and the transcript CLI import the API layer.', '^src/(?!plugins/|routes/|ws/|app\\.ts$|server\\.ts$|main\\.ts$|index\\.ts$|transcript/main\\.ts$)', api),
    forbid('routes-not-to-ws', 'HTTP routes and WebSocket handlers share services (plugins/), not each other.', '^src/routes/', '^src/ws/'),
    forbid('ws-not-to-routes', 'HTTP routes and WebSocket handlers share services (plugins/), not each other.', '^src/ws/', '^src/routes/'),
    forbid('server-not-to-web', 'The server serves the built page; it imports nothing of apps/web.', '.', '(^|/)apps/web/|^\\.\\./web/'),
  ],
};
