import { threeMemberSetup } from './elections';
import type { Lesson } from './model';

const setUri = 'mongosh "mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo"';
const writeConcernErrors = ['MongoWriteConcernError', 'WriteConcernError', 'WriteConcernFailed', 'WriteConcernTimeout'];

/** Lesson 6: write concern and rollback — what w:1 risks, what w:"majority" keeps. */
export const durabilityLesson: Lesson = {
  id: 'durability',
  title: 'Write concern and rollback: what w:1 risks and w:"majority" keeps',
  summary:
    'Ask for acknowledgement from one member, all of them or a majority, see a write concern time out, lose a w:1 write to a rollback after a partition, and keep a w:"majority" one through a failover.',
  minutes: 20,
  after: ['elections'],
  // It cuts links between members, which only the simulated network can do.
  engines: ['sim'],
  setup: threeMemberSetup('wc'),
  chapters: [
    {
      id: 'write-concern',
      title: 'Write concern',
      intro: `A write's **write concern** says when the primary answers: \`w: 1\` once it has the write itself,
\`w: "majority"\` once a majority of the voting members have it in their oplog, \`w: 3\` once three
members do. \`wtimeout\` bounds the wait. The default has been \`"majority"\` since MongoDB 5.0.
Set **foo** is running on 27017, 27018 and 27019.`,
      steps: [
        {
          id: 'acknowledged',
          title: 'Write with w: 1 and w: "majority"',
          text: 'Connect mongosh to the set and insert one document with each write concern. Both answer at once here: every member is up.',
          commands: [
            { tab: 'client', text: setUri },
            { tab: 'client', text: 'db.test.insertOne({a: 1}, {writeConcern: {w: 1}})' },
            { tab: 'client', text: 'db.test.insertOne({b: 1}, {writeConcern: {w: "majority"}})' },
          ],
          hint: 'Connect to the set, then run both insertOne lines.',
          check: { kind: 'operationServed', operation: 'write', by: 'PRIMARY', api: 'mongosh', pattern: 'majority', description: 'Insert a document with w: "majority"' },
          solution: ['# tab:client', setUri, 'db.test.insertOne({a: 1}, {writeConcern: {w: 1}})', 'db.test.insertOne({b: 1}, {writeConcern: {w: "majority"}})'],
        },
        {
          id: 'wtimeout',
          title: 'Ask for more members than are up',
          text: `Kill one secondary with \`kill -9\`, then ask for \`w: 3\` with a five-second \`wtimeout\`.`,
          predict: {
            question: 'Two of three members are up. What does the w: 3 write do?',
            choices: [
              { id: 'ok', text: 'It is acknowledged: a majority has it' },
              { id: 'timeout', text: 'It waits five seconds, then reports a write concern error' },
              { id: 'refused', text: 'The primary refuses it at once and writes nothing' },
            ],
            observe: { kind: 'operationOutcome', operation: 'write', ok: 'ok', errors: Object.fromEntries(writeConcernErrors.map((name) => [name, 'timeout'])), otherError: 'refused' },
          },
          commands: [
            { tab: 'servers', text: 'kill -9 {{pid:secondary}}' },
            { tab: 'client', text: 'db.test.insertOne({c: 1}, {writeConcern: {w: 3, wtimeout: 5000}})' },
            { tab: 'client', text: 'db.test.findOne({c: 1})' },
          ],
          hint: 'kill -9 a secondary, then insert with {writeConcern: {w: 3, wtimeout: 5000}}.',
          check: { kind: 'errorSeen', errorNames: writeConcernErrors, description: 'Write with w: 3 while a member is down, and wait for the write concern error' },
          solution: ['# predict timeout', '# tab:servers', 'kill -9 {{pid:secondary}}', '# tab:client', 'db.test.insertOne({c: 1}, {writeConcern: {w: 3, wtimeout: 5000}})', 'db.test.findOne({c: 1})'],
        },
        {
          id: 'restart',
          title: 'Bring it back',
          text: `Restart the member you killed. Notice that \`{c: 1}\` was written all the same: a write concern error
means "not confirmed in time", not "undone". The restarted member copies it as it catches up.`,
          commands: [{ tab: 'servers', text: 'ps -ef' }],
          hint: 'Restart the killed member with its mongod line, or its restart button.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'startedInStep', count: 1 },
              { kind: 'setHealthy', secondaries: 2 },
            ],
          },
          solution: ['# control restart killed', '# wait 10s'],
        },
      ],
    },
    {
      id: 'rollback',
      title: 'Rollback',
      intro: `A write acknowledged with \`w: 1\` may exist on the primary only. If that primary is cut off and
another member is elected before the write is copied, the write is on the losing side: when the old
primary rejoins, it **rolls back** the write and keeps a copy in a rollback file where an operator
can find it. A write acknowledged with \`w: "majority"\` is on a majority, and any member that can
win an election has it, so it survives.`,
      steps: [
        {
          id: 'lose-w1',
          title: 'Lose a w:1 write',
          text: `Cut the primary off from the other members with the **isolate** button on its card, and at once
write to it with \`w: 1\`: the shell still sends writes to the member it knows as primary, and that
member still believes it is one. The majority side elects a new primary; then press **heal all
links** and watch the old primary rejoin.`,
          predict: {
            question: 'Once the network is healed, is `{lost: true}` in the set?',
            choices: [
              { id: 'kept', text: 'Yes: it was acknowledged' },
              { id: 'lost', text: 'No: the old primary rolls it back' },
            ],
            observe: { kind: 'documentKept', ns: 'test.test', field: 'lost', value: true },
          },
          commands: [{ tab: 'client', text: 'db.test.insertOne({lost: true}, {writeConcern: {w: 1}})' }],
          hint: 'Press isolate on the primary\u2019s card, insert {lost: true} with w:1, wait for the new primary, then press heal all links.',
          check: { kind: 'rolledBack', ns: 'test.test', field: 'lost', value: true },
          solution: ['# predict lost', '# control partition primary', 'db.test.insertOne({lost: true}, {writeConcern: {w: 1}})', '# wait 20s', '# control heal', '# wait 15s'],
        },
        {
          id: 'keep-majority',
          title: 'Keep a w:"majority" write',
          text: 'Now write with `w: "majority"` and kill the primary (`kill -9`) right after the acknowledgement.',
          predict: {
            question: 'Does the new primary have `{kept: true}`?',
            choices: [
              { id: 'kept', text: 'Yes' },
              { id: 'lost', text: 'No' },
            ],
            observe: { kind: 'documentKept', ns: 'test.test', field: 'kept', value: true },
          },
          commands: [
            { tab: 'client', text: 'db.test.insertOne({kept: true}, {writeConcern: {w: "majority"}})' },
            { tab: 'servers', text: 'kill -9 {{pid:primary}}' },
          ],
          hint: 'Insert {kept: true} with w: "majority", kill -9 the primary, wait for the election.',
          check: { kind: 'documentSurvivedFailover', ns: 'test.test', field: 'kept', value: true },
          solution: ['# predict kept', 'db.test.insertOne({kept: true}, {writeConcern: {w: "majority"}})', '# tab:servers', 'kill -9 {{pid:primary}}', '# wait 15s', '# control restart killed', '# wait 8s'],
        },
        {
          id: 'challenge',
          title: 'Challenge: one partition, two fates',
          challenge: true,
          text: `In one partition, get \`{fate: "lost"}\` rolled back and \`{fate: "kept"}\` kept: at the end, the
set's primary has the second and a rollback file holds the first.`,
          commands: [],
          hint: '',
          check: {
            kind: 'all',
            checks: [
              { kind: 'rolledBack', ns: 'test.test', field: 'fate', value: 'lost' },
              { kind: 'documentOnPrimary', ns: 'test.test', field: 'fate', value: 'kept' },
            ],
          },
          solution: [
            '# tab:client',
            '# control partition primary',
            'db.test.insertOne({fate: "lost"}, {writeConcern: {w: 1}})',
            '# wait 20s',
            'db.test.insertOne({fate: "kept"}, {writeConcern: {w: "majority"}})',
            '# control heal',
            '# wait 15s',
          ],
        },
      ],
    },
  ],
};
