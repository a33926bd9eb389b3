import type { Lesson } from './model';

const members = [27017, 27018, 27019];
const startLines = members.map((port, i) => `mongod --port ${port} --dbpath /data/rs${i} --replSet foo`);
const shellUri = 'mongosh "mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo"';
const directUri = 'mongosh "mongodb://morton.local:27017/?directConnection=true"';
const initiate =
  'rs.initiate({_id: "foo", members: [{_id: 0, host: "morton.local:27017"}, {_id: 1, host: "morton.local:27018"}, {_id: 2, host: "morton.local:27019"}]})';

/** Lesson 2: what the walkthrough leaves out — write concern, rollback, read preference, step-down, partitions. */
export const beyondLesson: Lesson = {
  id: 'beyond',
  title: 'Beyond the walkthrough: durability, reads and partitions',
  summary:
    'Lose a w:1 write to a rollback and keep a w:majority one, read from secondaries while there is no primary, hand the primary over on purpose, and split the network.',
  // It cuts links between members, which only the simulated network can do.
  engines: ['sim'],
  chapters: [
    {
      id: 'setup',
      title: 'A set, the modern way',
      intro: `This time start the members with only \`--replSet foo\` and give the whole member list to
\`rs.initiate()\` from mongosh, as you would today.`,
      steps: [
        {
          id: 'start-members',
          title: 'Start three members',
          text: 'Three members, each with its own port and data directory, all in set **foo**.',
          commands: startLines.map((text) => ({ tab: 'servers' as const, text })),
          hint: 'Start mongod on ports 27017, 27018 and 27019, each with --replSet foo.',
          check: { kind: 'membersRunning', replSetName: 'foo', ports: members },
          solution: ['# tab:servers', ...startLines],
        },
        {
          id: 'initiate',
          title: 'Initiate with an explicit configuration',
          text: `Connect mongosh to one member directly, and pass the configuration: the set's name and every
member's \`_id\` and host. Wait for one PRIMARY and two SECONDARY members, then leave that mongosh
and connect again to the whole set with a seed list and \`replicaSet=foo\`, so that the shell follows
the primary wherever it goes in the rest of this lesson. (A set still running from the first lesson
counts: it is the same set \`foo\`.)`,
          commands: [
            { tab: 'client', text: directUri },
            { tab: 'client', text: initiate },
            { tab: 'client', text: 'rs.status()' },
            { tab: 'client', text: 'exit' },
            { tab: 'client', text: shellUri },
          ],
          hint: 'Use rs.initiate() with the three members, wait a few seconds, then exit and run mongosh with the seed list and replicaSet=foo.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'setHealthy', secondaries: 2 },
              { kind: 'clientOpen', api: 'mongosh', direct: false },
            ],
          },
          solution: ['# tab:client', directUri, initiate, '# wait 15s', 'exit', shellUri],
        },
      ],
    },
    {
      id: 'write-concern',
      title: 'Write concern and rollback',
      intro: `A write acknowledged with \`w: 1\` has reached the primary only. If that primary is cut off and
another member is elected before the write is copied, the write is on the losing side: when the old
primary rejoins, it **rolls back** the write and keeps a copy where an operator can find it. A write
acknowledged with \`w: "majority"\` has reached most members, and any member that can win an election
has it, so it survives.`,
      steps: [
        {
          id: 'lose-w1',
          title: 'Lose a w:1 write',
          text: `Cut the primary off from the other members with the **isolate** button on its card in the cluster
view, then at once write to it with \`w: 1\`. The isolated primary acknowledges the write. The majority side
elects a new primary; when you heal the network the old primary finds its write was never
replicated and rolls it back.`,
          commands: [{ tab: 'client', text: 'db.test.insertOne({lost: true}, {writeConcern: {w: 1}})' }],
          hint: 'Press isolate on the primary\u2019s card, insert {lost: true} with w:1, wait for the new primary, then press heal all links.',
          check: { kind: 'rolledBack', ns: 'test.test', field: 'lost', value: true },
          solution: [
            '# control partition primary',
            'db.test.insertOne({lost: true}, {writeConcern: {w: 1}})',
            '# wait 20s',
            '# control heal',
            '# wait 15s',
          ],
        },
        {
          id: 'keep-majority',
          title: 'Keep a w:majority write',
          text: `Now write with \`w: "majority"\` and kill the primary right after the acknowledgement. Whichever
member wins the election has the write.`,
          commands: [{ tab: 'client', text: 'db.test.insertOne({kept: true}, {writeConcern: {w: "majority"}})' }],
          hint: 'Insert {kept: true} with w: "majority", kill the primary, wait for the election.',
          check: { kind: 'documentSurvivedFailover', ns: 'test.test', field: 'kept', value: true },
          solution: [
            'db.test.insertOne({kept: true}, {writeConcern: {w: "majority"}})',
            '# control kill primary',
            '# wait 15s',
            '# control restart killed',
            '# wait 5s',
          ],
        },
      ],
    },
    {
      id: 'read-preference',
      title: 'Reading during a failover',
      intro: `While there is no primary, reads with the default read preference (\`primary\`) wait or fail. A
client that allows secondaries keeps reading, at the price of data that may be a little behind.`,
      steps: [
        {
          id: 'secondary-preferred',
          title: 'Read from a secondary while there is no primary',
          text: `Open a client whose read preference is \`secondaryPreferred\`, kill the primary, and read at once:
a secondary answers.`,
          commands: [
            { tab: 'client', text: 'exit' },
            { tab: 'client', text: 'python' },
            { tab: 'client', text: 'from pymongo import MongoClient' },
            { tab: 'client', text: 'ro = MongoClient("morton.local", replicaSet="foo", readPreference="secondaryPreferred")' },
            { tab: 'client', text: 'ro.test.test.find_one()' },
          ],
          hint: 'Use MongoClient(..., readPreference="secondaryPreferred"), kill the primary, then find_one().',
          check: { kind: 'readWithoutPrimary' },
          solution: [
            'exit',
            'python',
            'from pymongo import MongoClient',
            'ro = MongoClient("morton.local", replicaSet="foo", readPreference="secondaryPreferred")',
            'ro.test.test.find_one()',
            '# control kill primary',
            'ro.test.test.find_one()',
            '# wait 15s',
            '# control restart killed',
            '# wait 5s',
          ],
        },
      ],
    },
    {
      id: 'step-down',
      title: 'Step-down and priorities',
      intro: `Elections need not wait for a failure. \`rs.stepDown()\` asks the primary to hand over: it waits for a
secondary to catch up, then steps down so that one can be elected at once. Priorities say which
member you would rather have as primary: a member with a higher priority that is caught up calls an
election to take over.`,
      steps: [
        {
          id: 'step-down',
          title: 'Step the primary down',
          text: 'Connect mongosh to the set and ask the primary to step down; a secondary takes over within seconds.',
          commands: [
            { tab: 'client', text: 'exit()' },
            { tab: 'client', text: shellUri },
            { tab: 'client', text: 'rs.stepDown()' },
          ],
          hint: 'Run rs.stepDown() in mongosh connected to the set.',
          check: { kind: 'clusterEvent', eventKind: 'stepDown', description: 'Step the primary down with rs.stepDown()' },
          solution: ['exit()', shellUri, 'rs.stepDown()', '# wait 10s'],
        },
        {
          id: 'priority',
          title: 'Prefer one member',
          text: `Give the member on port 27019 priority 2 (the others have 1). Once it has caught up it takes over
as primary by itself.`,
          commands: [
            { tab: 'client', text: 'cfg = rs.conf()' },
            { tab: 'client', text: 'cfg.members[2].priority = 2' },
            { tab: 'client', text: 'rs.reconfig(cfg)' },
          ],
          hint: 'Fetch rs.conf(), set members[2].priority to 2, and pass it to rs.reconfig().',
          check: { kind: 'primaryIs', port: 27019 },
          solution: ['cfg = rs.conf()', 'cfg.members[2].priority = 2', 'rs.reconfig(cfg)', '# wait 25s'],
        },
      ],
    },
    {
      id: 'partition',
      title: 'A network partition',
      intro: `A primary must hear from a majority of the set to stay primary. Cut it off, and it steps down by
itself once an election timeout passes without a majority, while the members on the majority side
elect a new primary. There are never two primaries that can both commit writes.`,
      steps: [
        {
          id: 'isolate-primary',
          title: 'Isolate the primary',
          text: 'Cut the primary off from the other two members with the **isolate** button on its card, and watch both sides in the cluster view.',
          commands: [],
          hint: 'Press isolate on the primary\u2019s card in the cluster view, then wait about fifteen seconds.',
          check: { kind: 'steppedDownWhilePartitioned' },
          solution: ['# control partition primary', '# wait 20s'],
        },
      ],
    },
  ],
};
