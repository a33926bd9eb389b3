#!/usr/bin/env node
// The classroom past one server, on one machine: a 3-member replica set of sim-mongod processes
// as the shared store, two (or more) instances of the built server with MONGODB_URI pointing at
// it, and HAProxy (or nginx) in front routing as docs/DEPLOY.md says. Everything listens on
// 127.0.0.1, on ports picked free at start.
//
//   pnpm cluster:up [--instances 2] [--balancer haproxy|nginx] [--port 8080] [--dir .rslab-cluster]
//   pnpm cluster:down [--dir .rslab-cluster]
//   pnpm cluster:status [--dir .rslab-cluster]
//
// `up` leaves the processes running in the background (their pids and ports in
// <dir>/cluster.json, their logs in <dir>/*.log) and prints the URL; `down` stops them. The e2e
// suite and bench/ import `startCluster` from this file and stop what it started when they end.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const simMongod = join(root, 'packages/sim/bin/sim-mongod');
const serverBundle = join(root, 'apps/server/dist/main.mjs');
/** The driver is a dependency of apps/server, not of the workspace root. */
const requireFromServer = createRequire(join(root, 'apps/server/package.json'));

export const replicaSetName = 'rslab';
const memberStartMillisMax = 30_000;
const primaryMillisMax = 60_000;
const instanceStartMillisMax = 60_000;
const stopMillisMax = 15_000;

/** Node options the server runs with (apps/server/src/nodeFlags.ts says why; `pnpm start` sets the same). */
const serverNodeOptions = '--max-semi-space-size=64';

const sleep = (millis) => new Promise((done) => setTimeout(done, millis));

const portsTaken = new Set();
/** A loopback port free right now (and not handed out before by this process). */
export async function freePort() {
  for (;;) {
    const port = await new Promise((done, fail) => {
      const server = createServer();
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => done(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port !== 0 && !portsTaken.has(port)) {
      portsTaken.add(port);
      return port;
    }
  }
}

function alive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Send `signal` to `pid` and wait until it is gone; SIGKILL after `millis`. True if it was running. */
export async function stopPid(pid, signal = 'SIGTERM', millis = stopMillisMax) {
  if (!alive(pid)) return false;
  try {
    process.kill(pid, signal);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
    return false;
  }
  const end = Date.now() + millis;
  while (alive(pid)) {
    if (Date.now() > end) {
      process.kill(pid, 'SIGKILL');
      await sleep(100);
    } else await sleep(25);
  }
  return true;
}

/** Start a process with its output appended to `logPath`. `detached`: it outlives this process. */
function launch(command, args, { logPath, env = {}, cwd = root, detached = false }) {
  const fd = openSync(logPath, 'a');
  try {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd], detached });
    if (detached) child.unref();
    // A child that cannot start at all (ENOENT) says so through 'error'; its log says the rest.
    child.once('error', (error) => writeFileSync(logPath, `\n[cluster] could not start ${command}: ${error.message}\n`, { flag: 'a' }));
    return child;
  } finally {
    closeSync(fd);
  }
}

function readLog(path) {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

async function waitFor(what, millis, probe) {
  const end = Date.now() + millis;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`${what} did not happen within ${millis} ms${last ? `: ${last.message}` : ''}`);
    await sleep(100);
  }
}

/** `GET url` with a deadline: `{ status, body }`, or null when nothing answers. */
export async function httpGet(url, millis = 2000) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(millis) });
    const text = await response.text();
    let body = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (an HTML page, a proxy's error page): the text is the body.
    }
    return { status: response.status, body, headers: response.headers };
  } catch {
    return null;
  }
}

/** The HAProxy configuration the cluster runs (docs/DEPLOY.md shows it with example addresses). */
export function haproxyConfig({ port, instances, checkMillis = 1000 }) {
  const servers = (check) => instances.map((instance) => `  server ${instance.name} 127.0.0.1:${instance.port} check inter ${checkMillis} fall 2 rise 2 ${check}`.trimEnd()).join('\n');
  return `# Replica Set Lab behind HAProxy (written by scripts/cluster.mjs; docs/DEPLOY.md explains it).
global
  # Two descriptors per proxied connection: 4000 fits the usual 20000-descriptor limit of a shell.
  maxconn 4000

defaults
  mode http
  option redispatch
  retries 3
  timeout connect 2s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
  timeout http-request 10s

frontend rslab
  bind 127.0.0.1:${port}
  # Room traffic goes by room code (as typed: case and dash do not matter): /api/rooms/<code>/... and /ws/room?room=<code>.
  http-request set-var(txn.room) path,field(4,/),regsub(-,,g),upper if { path_reg ^/api/rooms/[0-9A-Za-z-]+ }
  http-request set-var(txn.room) url_param(room),regsub(-,,g),upper if { path /ws/room }
  use_backend rooms if { var(txn.room) -m found }
  default_backend learners

# Learners by their session cookie; a learner without one yet goes to the least busy instance.
# An instance that is full answers its health check 404: no new learners, its own keep coming.
backend learners
  balance leastconn
  stick-table type string len 64 size 1m expire 24h
  stick on req.cook(rslab_session)
  stick store-response res.cook(rslab_session)
  option httpchk GET /api/health
  http-check disable-on-404
${servers('')}

# Rooms by code, on a consistent hash: an instance that goes away moves only its own rooms.
# A full instance keeps its rooms (followers cost no sandbox), so 404 counts as up here.
backend rooms
  balance hash var(txn.room)
  hash-type consistent
  option httpchk GET /api/health
  http-check expect rstatus ^(200|404)$
${servers('')}
`;
}

/**
 * The nginx configuration the cluster runs with `--balancer nginx` (a whole nginx.conf; Debian's
 * `nginx` package, open source: no `sticky`, no active health checks). Routing as HAProxy's:
 * - room traffic (`/api/rooms/<code>...`, `/ws/room?room=<code>`) by its code on a consistent hash
 *   (dash ignored; the page sends the code as the server wrote it, upper case);
 * - a learner's own traffic sticks to the instance that first answered them: nginx sets
 *   `rslab_instance` to the instance the answer came from (its `x-rslab-instance` header), and
 *   each `rslab_<name>` upstream is that instance with the others as backups, so when it is gone
 *   the learner moves on and the cookie follows;
 * - failover is passive: an instance that refuses the connection (exited) or answers 503 (draining
 *   on SIGTERM: its health, and every WebSocket upgrade and new room or join) is skipped for
 *   `fail_timeout`, and GETs and WebSocket upgrades are passed to the next instance at once.
 */
export function nginxConfig({ port, instances, dir }) {
  const server = (instance, backup = false) => `    server 127.0.0.1:${instance.port} max_fails=1 fail_timeout=5s${backup ? ' backup' : ''};`;
  const own = instances
    .map((instance) => [`  upstream rslab_${instance.name} {`, server(instance), ...instances.filter((other) => other !== instance).map((other) => server(other, true)), '  }'].join('\n'))
    .join('\n');
  const byCookie = instances.map((instance) => `    ${instance.name} rslab_${instance.name};`).join('\n');
  return `# Replica Set Lab behind nginx (written by scripts/cluster.mjs; docs/DEPLOY.md explains it).
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-tmp/body;
  proxy_temp_path ${dir}/nginx-tmp/proxy;
  fastcgi_temp_path ${dir}/nginx-tmp/fastcgi;
  uwsgi_temp_path ${dir}/nginx-tmp/uwsgi;
  scgi_temp_path ${dir}/nginx-tmp/scgi;

  # The room code from /api/rooms/<code>/... or /ws/room?room=<code>, without its dash.
  map $uri $rslab_path_room {
    "~^/api/rooms/(?<head>[0-9A-Za-z]{4})-?(?<tail>[0-9A-Za-z]{4})(?:/|$)" $head$tail;
    default "";
  }
  map $arg_room $rslab_arg_room {
    "~^(?<head>[0-9A-Za-z]{4})(?:-|%2D)?(?<tail>[0-9A-Za-z]{4})$" $head$tail;
    default "";
  }
  map $uri $rslab_room {
    /ws/room $rslab_arg_room;
    default $rslab_path_room;
  }
  # A learner's instance, from the cookie nginx set on an earlier answer; none yet: any instance.
  map $cookie_rslab_instance $rslab_learner {
${byCookie}
    default rslab_any;
  }
  map $rslab_room $rslab_upstream {
    "" $rslab_learner;
    default rslab_rooms;
  }
  # Set the cookie when a learner's own answer came from another instance than the cookie says
  # (first visit, or moved after a failover); never on room traffic (another instance's).
  map "$rslab_room|$cookie_rslab_instance|$upstream_http_x_rslab_instance" $rslab_set_instance {
    "~^\\|(?<had>[^|]*)\\|\\k<had>$" "";
    "~^\\|[^|]*\\|(?<served>[0-9A-Za-z_-]+)$" "rslab_instance=$served; Path=/; HttpOnly; SameSite=Lax";
    default "";
  }
  map $http_upgrade $rslab_connection { default upgrade; "" close; }

  upstream rslab_rooms {
    hash $rslab_room consistent;
${instances.map((instance) => server(instance)).join('\n')}
  }
  upstream rslab_any {
    least_conn;
${instances.map((instance) => server(instance)).join('\n')}
  }
${own}

  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://$rslab_upstream;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $rslab_connection;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      # Exited (error) or draining (503): the next instance. POSTs are not resent (the page
      # retries a 503 itself, with the same token, so a join is never made twice).
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
      add_header Set-Cookie $rslab_set_instance always;
    }
  }
}
`;
}

/**
 * A running cluster: the store's members, the server instances and the balancer, each a process
 * this object can kill, stop and start again on the same port and data folder.
 */
export class Cluster {
  constructor(state, { detached }) {
    this.state = state;
    this.detached = detached;
  }

  get dir() {
    return this.state.dir;
  }
  /** The balancer's URL: what a browser opens. */
  get url() {
    return `http://127.0.0.1:${this.state.balancer.port}`;
  }
  get storeUri() {
    return this.state.storeUri;
  }
  get members() {
    return this.state.members;
  }
  get instances() {
    return this.state.instances;
  }
  instance(name) {
    const found = this.state.instances.find((instance) => instance.name === name);
    if (!found) throw new Error(`no instance '${name}' in this cluster`);
    return found;
  }
  instanceUrl(name) {
    return `http://127.0.0.1:${this.instance(name).port}`;
  }

  save() {
    writeFileSync(join(this.dir, 'cluster.json'), `${JSON.stringify(this.state, null, 2)}\n`);
  }

  async startMember(index) {
    const member = this.state.members[index];
    mkdirSync(member.dbpath, { recursive: true });
    const before = readLog(member.log).length;
    const child = launch(process.execPath, [simMongod, '--port', String(member.port), '--bind_ip', '127.0.0.1', '--dbpath', member.dbpath, '--replSet', replicaSetName], {
      logPath: member.log,
      detached: this.detached,
    });
    member.pid = child.pid;
    this.save();
    await waitFor(`sim-mongod on port ${member.port}`, memberStartMillisMax, () => {
      if (!alive(member.pid)) throw new Error(`it exited; see ${member.log}`);
      return readLog(member.log).slice(before).includes('"Waiting for connections"');
    });
  }

  /** Kill one member of the store (kill -9 by default); resolves once it is gone. */
  async killMember(index, signal = 'SIGKILL') {
    const member = this.state.members[index];
    await stopPid(member.pid, signal);
    member.pid = null;
    this.save();
  }

  async withStoreClient(uri, use) {
    const { MongoClient } = requireFromServer('mongodb');
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000, appName: 'rslab-cluster' });
    try {
      return await use(client);
    } finally {
      await client.close();
    }
  }

  /**
   * The documents of one collection of the store's database matching `filter`: as a majority read
   * through the set sees them (`majority`), and as each live member holds them now (`byMember`,
   * a local read on each), to tell a server that missed a stored write from a store that lost it.
   */
  async storedDocuments(collection, filter, databaseName = 'rslab') {
    const majority = await this.withStoreClient(this.storeUri, (client) => client.db(databaseName, { readConcern: { level: 'majority' } }).collection(collection).find(filter).toArray());
    const byMember = {};
    for (const [index, member] of this.state.members.entries()) {
      if (!alive(member.pid)) continue;
      byMember[index] = await this.withStoreClient(`mongodb://127.0.0.1:${member.port}/?directConnection=true`, (client) =>
        client.db(databaseName, { readConcern: { level: 'local' } }).collection(collection).find(filter, { readPreference: 'secondaryPreferred' }).toArray(),
      ).catch((error) => `unreadable: ${error.message}`);
    }
    return { majority, byMember };
  }

  /** The index of the store's primary as the members see it now, or -1 while there is none. */
  async primaryIndex() {
    for (const [index, member] of this.state.members.entries()) {
      if (!alive(member.pid)) continue;
      const isPrimary = await this.withStoreClient(`mongodb://127.0.0.1:${member.port}/?directConnection=true`, async (client) => (await client.db('admin').command({ hello: 1 })).isWritablePrimary === true).catch(() => false);
      if (isPrimary) return index;
    }
    return -1;
  }

  async waitForPrimary(millis = primaryMillisMax) {
    return waitFor('a primary in the store', millis, async () => {
      const index = await this.primaryIndex();
      return index >= 0 ? index : undefined;
    });
  }

  /** Initiate the store's set (once, on first start). */
  async initiateStore() {
    const [first] = this.state.members;
    await this.withStoreClient(`mongodb://127.0.0.1:${first.port}/?directConnection=true`, (client) =>
      client.db('admin').command({
        replSetInitiate: { _id: replicaSetName, members: this.state.members.map((member, index) => ({ _id: index, host: `127.0.0.1:${member.port}` })) },
      }),
    );
    await this.waitForPrimary();
  }

  async startInstance(name) {
    const instance = this.instance(name);
    mkdirSync(instance.dataDir, { recursive: true });
    const before = readLog(instance.log).length;
    const child = launch(process.execPath, ['--enable-source-maps', serverBundle], {
      logPath: instance.log,
      detached: this.detached,
      env: {
        NODE_OPTIONS: `${serverNodeOptions} ${process.env.NODE_OPTIONS ?? ''}`.trim(),
        HOST: '127.0.0.1',
        PORT: String(instance.port),
        MONGODB_URI: this.state.storeUri,
        RSLAB_DATA_DIR: instance.dataDir,
        RSLAB_INSTANCE: instance.name,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
        ...this.state.instanceEnv,
      },
    });
    instance.pid = child.pid;
    this.save();
    await waitFor(`instance ${name} listening`, instanceStartMillisMax, () => {
      if (!alive(instance.pid)) throw new Error(`it exited; see ${instance.log}:\n${readLog(instance.log).slice(before).slice(-2000)}`);
      return readLog(instance.log).slice(before).includes('Replica Set Lab listening on');
    });
  }

  /** Kill one instance (kill -9 by default, SIGTERM to see it drain); resolves once it is gone. */
  async killInstance(name, signal = 'SIGKILL') {
    const instance = this.instance(name);
    await stopPid(instance.pid, signal, signal === 'SIGKILL' ? stopMillisMax : 60_000);
    instance.pid = null;
    this.save();
  }

  /** `/api/health` of one instance, straight (not through the balancer). */
  async health(name) {
    return httpGet(`${this.instanceUrl(name)}/api/health`);
  }

  async waitForHealthy(name, millis = instanceStartMillisMax) {
    return waitFor(`instance ${name} healthy`, millis, async () => (await this.health(name))?.status === 200);
  }

  /** Until the balancer routes to every instance (HAProxy's checks run every second). */
  async waitForBalancer(millis = 30_000) {
    const seen = new Set();
    await waitFor('the balancer reaching every instance', millis, async () => {
      // Each request without a cookie goes to the least busy instance, which differs as they come.
      for (let i = 0; i < 8; i += 1) {
        const reply = await httpGet(`${this.url}/api/health`);
        const name = reply?.headers.get('x-rslab-instance');
        if (name) seen.add(name);
      }
      return seen.size === this.state.instances.length;
    });
  }

  async startBalancer() {
    const balancer = this.state.balancer;
    const args = balancer.kind === 'nginx' ? ['-p', this.dir, '-c', balancer.config] : ['-db', '-f', balancer.config];
    const name = balancer.kind === 'nginx' ? 'nginx' : 'haproxy';
    // Debian installs both in /usr/sbin, which a non-root PATH may leave out.
    const command = existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : name;
    const check = spawnSync(command, balancer.kind === 'nginx' ? ['-t', ...args] : ['-c', '-f', balancer.config], { encoding: 'utf8' });
    if (check.error) throw new Error(`${command} is not installed (Debian: apt-get install ${name}): ${check.error.message}`);
    if (check.status !== 0) throw new Error(`${command} refused ${balancer.config}:\n${check.stdout}${check.stderr}`);
    const child = launch(command, args, { logPath: balancer.log, detached: this.detached });
    balancer.pid = child.pid;
    this.save();
    await waitFor(`${command} listening on ${balancer.port}`, 10_000, async () => {
      if (!alive(balancer.pid)) throw new Error(`it exited; see ${balancer.log}:\n${readLog(balancer.log)}`);
      return (await httpGet(`${this.url}/api/health`)) !== null;
    });
  }

  /** Stop everything: the balancer, the instances (SIGTERM: they drain), the store. */
  async stop() {
    const { balancer, instances, members } = this.state;
    await stopPid(balancer.pid, 'SIGTERM', 5000);
    await Promise.all(instances.map((instance) => stopPid(instance.pid, 'SIGTERM')));
    await Promise.all(members.map((member) => stopPid(member.pid, 'SIGTERM')));
    balancer.pid = null;
    for (const process of [...instances, ...members]) process.pid = null;
    this.save();
  }
}

/**
 * Start a whole cluster in `dir` (made empty first). `detached`: the processes outlive this one
 * (`pnpm cluster:up`); otherwise call `stop()` (the e2e suite does in its teardown).
 */
export async function startCluster({ dir, instances = 2, balancer = 'haproxy', port, detached = false, build = 'server', instanceEnv = {}, checkMillis = 1000 } = {}) {
  if (!dir) throw new Error('startCluster needs a dir');
  dir = resolve(dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (build) {
    const result = spawnSync(build === 'all' ? 'pnpm' : process.execPath, build === 'all' ? ['build'] : [join(root, 'scripts/build.mjs'), 'server', 'sandbox-worker'], { cwd: root, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`building failed:\n${result.stdout}${result.stderr}`);
  }
  const members = [];
  for (let index = 0; index < 3; index += 1) {
    members.push({ index, port: await freePort(), dbpath: join(dir, `store-${index}`), log: join(dir, `store-${index}.log`), pid: null });
  }
  const names = 'abcdefgh'.slice(0, instances).split('');
  const instanceStates = [];
  for (const name of names) {
    instanceStates.push({ name, port: await freePort(), dataDir: join(dir, `instance-${name}`), log: join(dir, `instance-${name}.log`), pid: null });
  }
  const balancerPort = port ?? (await freePort());
  const config = join(dir, balancer === 'nginx' ? 'nginx.conf' : 'haproxy.cfg');
  if (balancer === 'nginx') {
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'nginx-tmp', sub), { recursive: true });
    writeFileSync(config, nginxConfig({ port: balancerPort, instances: instanceStates, dir }));
  } else {
    writeFileSync(config, haproxyConfig({ port: balancerPort, instances: instanceStates, checkMillis }));
  }
  const state = {
    dir,
    storeUri: `mongodb://${members.map((member) => `127.0.0.1:${member.port}`).join(',')}/?replicaSet=${replicaSetName}`,
    members,
    instances: instanceStates,
    instanceEnv,
    balancer: { kind: balancer, port: balancerPort, config, log: join(dir, `${balancer}.log`), pid: null },
  };
  const cluster = new Cluster(state, { detached });
  cluster.save();
  try {
    await Promise.all(members.map((_, index) => cluster.startMember(index)));
    await cluster.initiateStore();
    await Promise.all(names.map((name) => cluster.startInstance(name)));
    await Promise.all(names.map((name) => cluster.waitForHealthy(name)));
    await cluster.startBalancer();
    await cluster.waitForBalancer();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** The cluster `pnpm cluster:up` left in `dir`, from its cluster.json. */
export function openCluster(dir) {
  const file = join(resolve(dir), 'cluster.json');
  if (!existsSync(file)) return null;
  return new Cluster(JSON.parse(readFileSync(file, 'utf8')), { detached: true });
}

function option(args, name, fallback) {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
}

async function cli(argv) {
  const [command = 'up', ...args] = argv;
  const dir = option(args, 'dir', join(root, '.rslab-cluster'));
  if (command === 'up') {
    const running = openCluster(dir);
    if (running && [...running.members, ...running.instances, running.state.balancer].some((p) => alive(p.pid))) {
      console.log(`a cluster is already running from ${dir} at ${running.url}; pnpm cluster:down stops it`);
      return 1;
    }
    const instances = Number(option(args, 'instances', '2'));
    const balancer = option(args, 'balancer', 'haproxy');
    const port = args.includes('--port') ? Number(option(args, 'port', '0')) : undefined;
    console.log(`starting 3 sim-mongod, ${instances} server instances and ${balancer} on 127.0.0.1 (building first)…`);
    const cluster = await startCluster({ dir, instances, balancer, port, detached: true, build: args.includes('--no-build') ? false : 'all' });
    console.log(`Replica Set Lab cluster: open ${cluster.url}`);
    console.log(`  store   ${cluster.storeUri}`);
    for (const instance of cluster.instances) console.log(`  server  ${instance.name} http://127.0.0.1:${instance.port} (pid ${instance.pid}, log ${instance.log})`);
    console.log(`  ${balancer.padEnd(7)} ${cluster.url} (pid ${cluster.state.balancer.pid}, config ${cluster.state.balancer.config})`);
    console.log('pnpm cluster:down stops it all.');
    return 0;
  }
  if (command === 'down') {
    const cluster = openCluster(dir);
    if (!cluster) {
      console.log(`no cluster in ${dir}`);
      return 0;
    }
    await cluster.stop();
    console.log(`stopped the cluster in ${dir} (logs stay there)`);
    return 0;
  }
  if (command === 'status') {
    const cluster = openCluster(dir);
    if (!cluster) {
      console.log(`no cluster in ${dir}`);
      return 1;
    }
    const line = (what, pid, extra = '') => console.log(`${what.padEnd(24)} ${alive(pid) ? `running (pid ${pid})` : 'stopped'} ${extra}`);
    line(`${cluster.state.balancer.kind} :${cluster.state.balancer.port}`, cluster.state.balancer.pid, cluster.url);
    for (const instance of cluster.instances) {
      const health = alive(instance.pid) ? await cluster.health(instance.name) : null;
      line(`instance ${instance.name} :${instance.port}`, instance.pid, health ? `health ${health.status} ${JSON.stringify(health.body)}` : '');
    }
    const primary = await cluster.primaryIndex();
    for (const member of cluster.members) line(`store member ${member.index} :${member.port}`, member.pid, member.index === primary ? 'PRIMARY' : '');
    return 0;
  }
  console.log('usage: node scripts/cluster.mjs up|down|status [--dir DIR] [--instances N] [--balancer haproxy|nginx] [--port PORT] [--no-build]');
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
