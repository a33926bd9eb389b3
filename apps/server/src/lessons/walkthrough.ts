import type { Lesson } from './model';

const startFirst = 'mongod --replSet foo/morton.local:27018,morton.local:27019 --rest';
const startSecond = 'mongod --port 27018 --dbpath /data/db1 --replSet foo/morton.local:27017 --rest';
const startThird = 'mongod --port 27019 --dbpath /data/db2 --replSet foo/morton.local:27017 --rest';
const openDirect = 'c = Connection("morton.local:27017", slave_okay=True)';
const failoverErrors = ['AutoReconnect', 'ServerSelectionTimeoutError', 'NotPrimaryError', 'NotMasterError', 'NetworkTimeout'];

/**
 * Lesson 1: the 2010 PyMongo replica-set walkthrough, done for real against three members, with
 * notes on what has changed since. The commands and facts are the walkthrough's; the words are ours.
 */
export const walkthroughLesson: Lesson = {
  id: 'walkthrough',
  title: 'Your first replica set, and your first failover',
  summary:
    'Start three mongod members, join them into a set, connect to it through a seed list, then kill the primary and watch the client and the set recover.',
  minutes: 15,
  chapters: [
    {
      id: 'start',
      title: 'Start the members',
      intro: `A replica set is a handful of \`mongod\` processes that hold the same data. One of them, the
**primary**, takes every write; the others, the **secondaries**, copy what it does and stand ready to
take over. Each member is a plain \`mongod\` that has been told the name of the set it belongs to.

For learning, all three members can run on one machine, each on its own port with its own data
directory. In production they would sit on separate machines, so that one failure cannot take out
more than one member.`,
      steps: [
        {
          id: 'hostname',
          title: 'Find the host name',
          text: `Members name each other by host and port, and clients will use the same names, so every name
must work from every member and every client. Ask this machine what it calls itself.`,
          commands: [{ tab: 'servers', text: 'hostname' }],
          hint: 'Type `hostname` in the servers shell and press Enter.',
          check: { kind: 'commandRan', language: 'bash', pattern: '^hostname$', description: '`hostname` in the servers shell' },
          solution: ['# tab:servers', 'hostname'],
        },
        {
          id: 'first-member',
          title: 'Start the first member',
          text: `\`--replSet foo\` puts this member in a set called **foo**. What follows the slash is a **seed
list**: other members this one may contact to learn about the set. With no \`--port\` the member
listens on 27017, and with no \`--dbpath\` it keeps its data in \`/data/db\`.

Here the shell starts the member in the background and hands the prompt back at once; a real
\`mongod\` would keep the terminal until you stop it.`,
          sinceThen: `The seed list after the slash is still parsed by mongod but no longer documented: today you
start each member with just \`--replSet foo\` and list the members when you initiate. \`--rest\` turned on
an HTTP status page; it was removed in MongoDB 3.6.`,
          commands: [{ tab: 'servers', text: startFirst }],
          hint: `Type the whole line: \`${startFirst}\``,
          check: { kind: 'membersRunning', replSetName: 'foo', ports: [27017] },
          solution: [startFirst],
        },
        {
          id: 'other-members',
          title: 'Start two more members',
          text: `Each further member needs a port and a data directory of its own. Their seed lists point back at
the first member; one reachable seed is enough for a member to find the rest.`,
          commands: [
            { tab: 'servers', text: startSecond },
            { tab: 'servers', text: startThird },
          ],
          hint: 'Start one member on port 27018 with --dbpath /data/db1 and one on 27019 with --dbpath /data/db2, both in set foo.',
          check: { kind: 'membersRunning', replSetName: 'foo', ports: [27017, 27018, 27019] },
          solution: [startSecond, startThird],
        },
      ],
    },
    {
      id: 'initiate',
      title: 'Initiate the set',
      intro: `The three members are running, but they are not a set yet: none of them has a configuration, so
none will accept writes or stand for election. Someone has to hand one member the first
configuration; the others then fetch it from that member and join.`,
      steps: [
        {
          id: 'connect-one',
          title: 'Connect to one member',
          text: `The client gets a shell of its own. Open it with the **+ client shell** button above the terminal
(or let "Run this" open it), start Python there and connect to the member on port 27017. A driver
normally talks only to a primary, and there is none yet, so \`slave_okay=True\` tells it that talking
to a non-primary member is fine for this connection.`,
          sinceThen: `\`Connection\` gave way to \`MongoClient\` in PyMongo 2.4 and was removed in 3.0, and \`slave_okay\`
was replaced by read preferences. Today you would write
\`MongoClient("morton.local:27017", directConnection=True)\` to talk to exactly one member.`,
          commands: [
            { tab: 'client', text: 'python' },
            { tab: 'client', text: 'from pymongo import Connection' },
            { tab: 'client', text: openDirect },
          ],
          hint: 'In the client shell: `python`, then the import, then the Connection line with slave_okay=True.',
          check: { kind: 'clientOpen', direct: true, port: 27017 },
          solution: ['# tab:client', 'python', 'from pymongo import Connection', openDirect],
        },
        {
          id: 'replset-initiate',
          title: 'Initiate, and watch the members come online',
          text: `\`replSetInitiate\` with no configuration asks the member to build one itself: the member plus the
seeds from its \`--replSet\` line. Only the member you initiate may already hold data. The others
copy everything from it during their initial sync, and anything they had before is thrown away.

Then watch the cluster view. Each member goes from **STARTUP** (no configuration yet) to **SECONDARY**;
one with no data of its own first copies it in **STARTUP2** (initial sync). Then one secondary
waits out its election timeout, asks the others for their votes, and with a majority it becomes
**PRIMARY**. The timeline lists every state change and every vote.`,
          sinceThen: `A member started with just \`--replSet foo\` has no seeds, so a bare initiate gives a set of one;
you then add the others with \`rs.add()\`, or pass the full member list to \`rs.initiate()\`.`,
          predict: {
            question: 'All three members can be elected. Which one do you expect to become the first primary?',
            choices: [
              { id: '27017', text: 'The one on 27017, where you run the initiate' },
              { id: '27018', text: 'The one on 27018' },
              { id: '27019', text: 'The one on 27019' },
            ],
            observe: { kind: 'newPrimary' },
          },
          commands: [
            { tab: 'client', text: 'c.admin.command("replSetInitiate")' },
            { tab: 'client', text: 'c.admin.command("replSetGetStatus")' },
          ],
          hint: 'Run `c.admin.command("replSetInitiate")` in Python, then wait a few seconds: the set needs one PRIMARY and two SECONDARY members.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'setInitiated', members: 3 },
              { kind: 'setHealthy', secondaries: 2 },
            ],
          },
          solution: ['# predict 27017', 'c.admin.command("replSetInitiate")', '# wait 15s'],
        },
      ],
    },
    {
      id: 'connect',
      title: 'Connect to the set',
      intro: `Connecting to the set is not the same as connecting to one member. You give the driver one or more
**seeds**; it asks whichever seed answers for the set's member list, discovers the rest, and sends
your operations to the primary, wherever it is.`,
      steps: [
        {
          id: 'seed-list',
          title: 'Connect through seeds',
          text: `Any of these five lines connects to the same set. They differ only in which seeds they give: a host
alone (port 27017 is assumed), a host and port in one string, a host and a port apart, a list, or
a comma-separated string. As long as one seed answers, the driver finds every member. Each one
prints the member it ended up talking to: with one seed that is the primary, whichever seed you
gave; with several, PyMongo 1.8 printed the seed list.`,
          sinceThen: `PyMongo 4 made discovery the default (\`directConnection=False\`), so one seed finds the whole set.
Since PyMongo 3 the constructor returns at once and discovery runs in the background.`,
          commands: [
            { tab: 'client', text: 'Connection("morton.local")' },
            { tab: 'client', text: 'Connection("morton.local:27018")' },
            { tab: 'client', text: 'Connection("morton.local", 27019)' },
            { tab: 'client', text: 'Connection(["morton.local:27018", "morton.local:27019"])' },
            { tab: 'client', text: 'Connection("morton.local:27017,morton.local:27018,morton.local:27019")' },
          ],
          hint: 'Run any of the Connection lines without slave_okay.',
          check: { kind: 'clientDiscoveredSet', members: 3 },
          solution: [
            'Connection("morton.local")',
            'Connection("morton.local:27018")',
            'Connection("morton.local", 27019)',
            'Connection(["morton.local:27018", "morton.local:27019"])',
            'Connection("morton.local:27017,morton.local:27018,morton.local:27019")',
          ],
        },
      ],
    },
    {
      id: 'failover',
      title: 'Fail over',
      intro: `Now the interesting part. You will write a document, see which member served you, kill that member,
and watch what the client does while the set elects a new primary.`,
      steps: [
        {
          id: 'save-read',
          title: 'Save a document and read it back',
          text: `\`db\` is the \`test\` database reached through the set. \`save\` inserts the document (the driver
makes up its \`_id\`), and \`find_one\` reads it back from the primary.`,
          sinceThen: '`save` was removed in PyMongo 4; use `insert_one` or `replace_one(..., upsert=True)`.',
          commands: [
            { tab: 'client', text: 'db = Connection("morton.local").test' },
            { tab: 'client', text: 'db.test.save({"x": 1})' },
            { tab: 'client', text: 'db.test.find_one()' },
          ],
          hint: 'Save {"x": 1} into db.test, then read it with find_one().',
          // The title says "and read it back": the step waits for the read, not only the save.
          check: {
            kind: 'all',
            checks: [
              { kind: 'documentOnPrimary', ns: 'test.test', field: 'x', value: 1 },
              { kind: 'operationServed', operation: 'read', by: 'PRIMARY', pattern: 'find', description: 'Now read it back with `db.test.find_one()`' },
            ],
          },
          solution: ['db = Connection("morton.local").test', 'db.test.save({"x": 1})', 'db.test.find_one()'],
        },
        {
          id: 'who-is-primary',
          title: 'Which member is primary?',
          text: `The connection talks to the primary, so its host and port tell you which member that is. Compare it
with the PRIMARY card in the cluster view.`,
          sinceThen: '`db.connection` is `db.client` since PyMongo 3, and `host`/`port` became `client.address`.',
          commands: [
            { tab: 'client', text: 'db.connection.host' },
            { tab: 'client', text: 'db.connection.port' },
          ],
          hint: 'Evaluate db.connection.port in Python.',
          check: { kind: 'askedWhoIsPrimary', afterFailover: false },
          solution: ['db.connection.host', 'db.connection.port'],
        },
        {
          id: 'kill-primary',
          title: 'Kill the primary',
          text: `In the servers shell, \`ps -ef\` lists the members with their process ids and command lines. Kill the one
on the primary's port with \`kill -9\`: the process dies on the spot, with no chance to tell anyone,
as a 2010 mongod died whichever way you stopped it. (The "Run this" line below has the primary's
PID filled in from the cluster view.)`,
          sinceThen: `A plain \`kill\` asks mongod to shut down cleanly, and since MongoDB 4.0.2 a primary that shuts down
first hands over to a caught-up secondary: the new primary comes within a second, and you would
not see the election this lesson is about. \`kill -9\` gives it no such chance.`,
          predict: {
            question: 'Once the primary is gone, how long will the set be without a primary?',
            choices: [
              { id: 'moment', text: 'A moment: under 3 seconds' },
              { id: 'election', text: 'About an election timeout: 10 to 25 seconds' },
              { id: 'long', text: 'Longer, 25 seconds or more' },
            ],
            observe: {
              kind: 'failoverSeconds',
              buckets: [
                { choice: 'moment', upToSeconds: 3 },
                { choice: 'election', upToSeconds: 25 },
                { choice: 'long', upToSeconds: Infinity },
              ],
            },
          },
          commands: [
            { tab: 'servers', text: 'ps -ef' },
            { tab: 'servers', text: 'kill -9 {{pid:primary}}' },
          ],
          hint: 'Run ps -ef, find the mongod on the primary port, and kill -9 its PID.',
          check: { kind: 'primaryKilled' },
          solution: ['# predict election', '# tab:servers', 'ps -ef', 'kill -9 {{pid:primary}}'],
        },
        {
          id: 'auto-reconnect',
          title: 'Meet AutoReconnect',
          text: `Read again straight away. The driver tries the member it knows as primary, finds it gone, and
raises **AutoReconnect**: it could not reach the primary, and will look for a new one on your next
operation. Your application decides what to do: retry a read, or check whether a write went through
before trying it again, or give up for now.`,
          commands: [{ tab: 'client', text: 'db.test.find_one()' }],
          hint: 'Run db.test.find_one() right after the kill.',
          check: { kind: 'errorAfterKill', errorNames: failoverErrors },
          solution: ['# tab:client', 'db.test.find_one()'],
        },
        {
          id: 'read-again',
          title: 'Wait for the election, then read from the new primary',
          text: `A new primary needs the votes of a majority of the set: two of three. The secondaries notice the
silence, and when one of them has waited out its election timeout (10 seconds by default, plus a
random bit so that they do not all stand at once) it asks the other for its vote and becomes
PRIMARY in a new term; the cluster view counts it down. Reads in the meantime may keep raising
AutoReconnect. Then read once more: the driver finds the new primary, and your document is there,
because it had reached a majority before the old primary died.`,
          commands: [
            { tab: 'client', text: 'db.test.find_one()' },
            { tab: 'client', text: 'db.connection.port' },
          ],
          hint: 'Watch the countdown; once a new PRIMARY card shows, run db.test.find_one() and db.connection.port again.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'operationAfterFailover', operation: 'read', api: 'Connection' },
              { kind: 'askedWhoIsPrimary', afterFailover: true },
            ],
          },
          solution: ['# wait 15s', 'db.test.find_one()', 'db.connection.port'],
        },
        {
          id: 'mongo-client',
          title: 'The same with today\u2019s MongoClient',
          text: `Today's drivers retry a read once and wait for a new primary before giving up
(\`retryReads\`, on by default since PyMongo 3.9). Restart the member you killed with its own
\`mongod\` line, connect with \`MongoClient\`, kill the primary again, and read: the read waits
through the election and then answers, with no exception to handle.`,
          commands: [
            { tab: 'servers', text: '{{command:killed}}' },
            { tab: 'client', text: 'from pymongo import MongoClient' },
            { tab: 'client', text: 'client = MongoClient("morton.local:27017,morton.local:27018,morton.local:27019", replicaSet="foo")' },
            { tab: 'client', text: 'client.test.test.find_one()' },
            { tab: 'servers', text: 'kill -9 {{pid:primary}}' },
            { tab: 'client', text: 'client.test.test.find_one()' },
            { tab: 'client', text: 'client.address' },
          ],
          hint: 'Restart the killed member with its mongod line (or its restart button), open the MongoClient, kill the new primary, then run client.test.test.find_one().',
          check: { kind: 'operationAfterFailover', operation: 'read', api: 'MongoClient', withoutError: true, openedBeforeKill: true },
          solution: [
            '# tab:servers',
            '{{command:killed}}',
            '# wait 5s',
            '# tab:client',
            'from pymongo import MongoClient',
            'client = MongoClient("morton.local:27017,morton.local:27018,morton.local:27019", replicaSet="foo")',
            'client.test.test.find_one()',
            '# tab:servers',
            'kill -9 {{pid:primary}}',
            '# tab:client',
            'client.test.test.find_one()',
            'client.address',
          ],
        },
        {
          id: 'challenge',
          title: 'Challenge: all three again, and a read from a secondary',
          challenge: true,
          text: `Bring the set back to three healthy members (one PRIMARY, two SECONDARY) and read the document
\`{x: 1}\` in Python from a member that is a secondary.`,
          commands: [],
          hint: '',
          check: {
            kind: 'all',
            checks: [
              { kind: 'setHealthy', secondaries: 2 },
              { kind: 'operationServed', operation: 'read', by: 'SECONDARY', description: 'Read the document from a member that is a secondary' },
            ],
          },
          solution: [
            '# control restart killed',
            '# wait 10s',
            '# tab:client',
            'Connection("morton.local", {{port:secondary}}, slave_okay=True).test.test.find_one()',
          ],
        },
      ],
    },
  ],
};
