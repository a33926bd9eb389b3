import type { Lesson } from './model';

const ports = [27017, 27018, 27019];
const startLines = ports.map((port, i) => `mongod --port ${port} --dbpath /data/rs${i} --replSet foo`);
const directUri = 'mongosh "mongodb://morton.local:27017/?directConnection=true"';
const setUri = 'mongosh "mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo"';
const initiate =
  'rs.initiate({_id: "foo", members: [{_id: 0, host: "morton.local:27017"}, {_id: 1, host: "morton.local:27018"}, {_id: 2, host: "morton.local:27019"}]})';
const pyUri = 'client = MongoClient("mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo")';

/**
 * Lesson 2: the walkthrough as it is done today. Members started with a bare `--replSet`, the set
 * initiated from a config document, connection strings, and a MongoClient whose retryable writes
 * and reads wait out a failover instead of raising AutoReconnect.
 */
export const todayLesson: Lesson = {
  id: 'today',
  title: 'Today\u2019s way: a config document, connection strings, retryable writes',
  summary:
    'Initiate a set from an explicit config with rs.initiate(cfg), connect with connection strings, and watch MongoClient retry a write and a read through a failover with no error to handle.',
  minutes: 15,
  after: ['walkthrough'],
  chapters: [
    {
      id: 'setup',
      title: 'A set from a config document',
      intro: `Since MongoDB 3.0 nobody passes seeds on the mongod command line: each member gets just the set's
name, and the list of members goes into the **config document** you hand to \`rs.initiate()\`.`,
      steps: [
        {
          id: 'start-members',
          title: 'Start three members',
          text: 'Three members, each with its own port and data directory, all in set **foo**, with nothing after the name.',
          commands: startLines.map((text) => ({ tab: 'servers' as const, text })),
          hint: 'Start mongod on ports 27017, 27018 and 27019, each with --replSet foo and its own --dbpath.',
          check: { kind: 'membersRunning', replSetName: 'foo', ports },
          solution: ['# tab:servers', ...startLines],
        },
        {
          id: 'connect-direct',
          title: 'Connect mongosh to one member',
          text: `In the client shell, connect mongosh straight to the member on 27017. \`directConnection=true\` is
today's \`slave_okay=True\` for this purpose: talk to this one member, whatever its state, and do
not go looking for a primary (there is none yet).`,
          commands: [{ tab: 'client', text: directUri }],
          hint: `Run \`${directUri}\` in the client shell.`,
          check: { kind: 'clientOpen', api: 'mongosh', direct: true, port: 27017 },
          solution: ['# tab:client', directUri],
        },
        {
          id: 'initiate',
          title: 'Initiate with an explicit configuration',
          text: `Pass the configuration: the set's \`_id\` (its name, as on the command line) and every member's
\`_id\` and host. Each member has to be reachable under that name from every other member and from
every client. Then look at \`rs.status()\` until one member is PRIMARY and two are SECONDARY.`,
          commands: [
            { tab: 'client', text: initiate },
            { tab: 'client', text: 'rs.status().members.map(m => m.name + " " + m.stateStr)' },
          ],
          hint: 'Run rs.initiate() with the three members, then wait a few seconds.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'setInitiated', members: 3 },
              { kind: 'setHealthy', secondaries: 2 },
            ],
          },
          solution: [initiate, '# wait 15s', 'rs.status().members.map(m => m.name + " " + m.stateStr)'],
        },
        {
          id: 'connect-set',
          title: 'Connect to the set with a connection string',
          text: `Leave this mongosh and connect again, this time to the set: a **connection string** with a seed
list and \`replicaSet=foo\`. The shell discovers the members and follows the primary wherever it
goes. \`db.hello()\` shows what the member tells a client: the hosts, and who is primary.`,
          commands: [
            { tab: 'client', text: 'exit' },
            { tab: 'client', text: setUri },
            { tab: 'client', text: 'db.hello().primary' },
          ],
          hint: 'Type exit, then mongosh with the seed list and ?replicaSet=foo.',
          check: { kind: 'clientOpen', api: 'mongosh', direct: false },
          solution: ['exit', setUri, 'db.hello().primary'],
        },
      ],
    },
    {
      id: 'retry',
      title: 'A client that rides out a failover',
      intro: `Drivers since 2019 (PyMongo 3.9, the Node driver 3.3) **retry** a write or a read once when the
first try fails on a network error or a "not primary" answer, after waiting for a new primary. An
insert typed while the set elects simply takes a few seconds longer; there is no AutoReconnect to
catch. A retried write is safe to repeat: the server remembers it by a transaction number and
never applies it twice.`,
      steps: [
        {
          id: 'python-client',
          title: 'Write with MongoClient',
          text: 'Leave mongosh, start Python, and connect a MongoClient with the same connection string. Insert a document.',
          commands: [
            { tab: 'client', text: 'exit' },
            { tab: 'client', text: 'python' },
            { tab: 'client', text: 'from pymongo import MongoClient' },
            { tab: 'client', text: pyUri },
            { tab: 'client', text: 'client.test.events.insert_one({"n": 1})' },
          ],
          hint: 'exit, python, the import, the MongoClient line, then insert_one.',
          check: { kind: 'operationServed', operation: 'write', by: 'PRIMARY', api: 'MongoClient', description: 'Insert a document with MongoClient' },
          solution: ['exit', 'python', 'from pymongo import MongoClient', pyUri, 'client.test.events.insert_one({"n": 1})'],
        },
        {
          id: 'write-through-failover',
          title: 'Kill the primary, and write at once',
          text: `Kill the primary with \`kill -9\` in the servers shell and go straight back to the client shell to
insert another document with the same client.`,
          predict: {
            question: 'You insert right after the primary died, before a new one is elected. What does `insert_one` do?',
            choices: [
              { id: 'error', text: 'It raises an error (AutoReconnect or similar) that the application must handle' },
              { id: 'waits', text: 'It waits for the new primary, then succeeds' },
              { id: 'lost', text: 'It succeeds at once, and the write is lost later' },
            ],
            observe: { kind: 'operationOutcome', operation: 'write', ok: 'waits', errors: {}, otherError: 'error' },
          },
          commands: [
            { tab: 'servers', text: 'kill -9 {{pid:primary}}' },
            { tab: 'client', text: 'client.test.events.insert_one({"n": 2})' },
          ],
          hint: 'kill -9 the primary, then run insert_one({"n": 2}) with the client you already have.',
          check: { kind: 'operationAfterFailover', operation: 'write', api: 'MongoClient', withoutError: true, openedBeforeKill: true },
          solution: ['# predict waits', '# tab:servers', 'kill -9 {{pid:primary}}', '# tab:client', 'client.test.events.insert_one({"n": 2})'],
        },
        {
          id: 'read-through-failover',
          title: 'And a read',
          text: `Bring the killed member back (its \`mongod\` line again, or **restart** on its card), let it rejoin
as a secondary, then kill the new primary and count the documents at once: the read waits for the
election too (\`retryReads\`), and both documents are there.`,
          commands: [
            { tab: 'servers', text: startLines[0] as string },
            { tab: 'servers', text: 'kill -9 {{pid:primary}}' },
            { tab: 'client', text: 'client.test.events.count_documents({})' },
          ],
          hint: 'Restart the killed member, kill -9 the primary, then count_documents({}).',
          check: { kind: 'operationAfterFailover', operation: 'read', api: 'MongoClient', withoutError: true, openedBeforeKill: true },
          solution: ['# control restart killed', '# wait 8s', '# tab:servers', 'kill -9 {{pid:primary}}', '# tab:client', 'client.test.events.count_documents({})'],
        },
        {
          id: 'challenge',
          title: 'Challenge: one seed is enough',
          challenge: true,
          text: `Bring every member back. Then open a new client (PyMongo or mongosh) whose connection string names
exactly one member, one that is a secondary, and insert \`{challenge: "today"}\` through it.`,
          commands: [],
          hint: '',
          check: {
            kind: 'all',
            checks: [
              { kind: 'setHealthy', secondaries: 2 },
              { kind: 'clientFromOneSecondary' },
              { kind: 'documentOnPrimary', ns: 'test.events', field: 'challenge', value: 'today' },
            ],
          },
          solution: [
            '# control restart killed',
            '# wait 10s',
            'one = MongoClient("mongodb://morton.local:{{port:secondary}}/?replicaSet=foo")',
            'one.test.events.insert_one({"challenge": "today"})',
          ],
        },
      ],
    },
  ],
};
