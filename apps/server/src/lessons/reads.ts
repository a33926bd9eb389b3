import { threeMemberSetup } from './elections';
import type { Lesson } from './model';

const uri = 'mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo';
const directPrimary = 'mongosh "mongodb://morton.local:{{port:primary}}/?directConnection=true"';

/** Lesson 7: read preference and read concern. */
export const readsLesson: Lesson = {
  id: 'reads',
  title: 'Reads: read preference and read concern',
  summary:
    'Send reads to secondaries, keep reading while there is no primary, and see the difference between a "local" read and a "majority" read on a primary that has been cut off.',
  minutes: 15,
  after: ['durability'],
  engines: ['sim'],
  setup: threeMemberSetup('rd'),
  chapters: [
    {
      id: 'read-preference',
      title: 'Read preference: which member answers',
      intro: `By default every read goes to the primary (\`readPreference=primary\`). \`secondary\` sends reads to a
secondary, \`secondaryPreferred\` to a secondary when there is one, \`primaryPreferred\` to the primary
when there is one, and \`nearest\` to the member with the lowest round-trip time. A read from a
secondary may be a little behind the primary; \`maxStalenessSeconds\` (90 at least) bounds how far.
Set **foo** is running on 27017, 27018 and 27019.`,
      steps: [
        {
          id: 'secondary-read',
          title: 'Read from a secondary',
          text: 'In Python, write a document through a default client, then read it back through one whose read preference is `secondary`.',
          commands: [
            { tab: 'client', text: 'python' },
            { tab: 'client', text: 'from pymongo import MongoClient' },
            { tab: 'client', text: `client = MongoClient("${uri}")` },
            { tab: 'client', text: 'client.test.test.insert_one({"x": 1})' },
            { tab: 'client', text: `ro = MongoClient("${uri}&readPreference=secondary")` },
            { tab: 'client', text: 'ro.test.test.find_one()' },
          ],
          hint: 'Open a MongoClient with &readPreference=secondary in the connection string and find_one() through it.',
          check: { kind: 'operationServed', operation: 'read', by: 'SECONDARY', api: 'MongoClient', description: 'Read through a client whose read preference sends reads to a secondary' },
          solution: [
            '# tab:client',
            'python',
            'from pymongo import MongoClient',
            `client = MongoClient("${uri}")`,
            'client.test.test.insert_one({"x": 1})',
            '# wait 1s',
            `ro = MongoClient("${uri}&readPreference=secondary")`,
            'ro.test.test.find_one()',
          ],
        },
        {
          id: 'no-primary',
          title: 'Read while there is no primary',
          text: 'Open a client with `secondaryPreferred`, kill the primary with `kill -9`, and read at once through it.',
          predict: {
            question: 'The primary is dead and no new one is elected yet. What does the secondaryPreferred read do?',
            choices: [
              { id: 'answers', text: 'A secondary answers at once' },
              { id: 'waits', text: 'It waits for the new primary' },
              { id: 'error', text: 'It raises an error' },
            ],
            observe: { kind: 'readWithoutPrimary', yes: 'answers', no: 'waits' },
          },
          commands: [
            { tab: 'client', text: `sp = MongoClient("${uri}&readPreference=secondaryPreferred")` },
            { tab: 'client', text: 'sp.test.test.find_one()' },
            { tab: 'servers', text: 'kill -9 {{pid:primary}}' },
            { tab: 'client', text: 'sp.test.test.find_one()' },
          ],
          hint: 'Connect with &readPreference=secondaryPreferred, kill -9 the primary, then find_one() right away.',
          check: { kind: 'readWithoutPrimary' },
          solution: [
            '# predict answers',
            `sp = MongoClient("${uri}&readPreference=secondaryPreferred")`,
            'sp.test.test.find_one()',
            '# tab:servers',
            'kill -9 {{pid:primary}}',
            '# tab:client',
            'sp.test.test.find_one()',
          ],
        },
        {
          id: 'restart',
          title: 'Bring it back',
          text: 'Restart the member you killed and let it rejoin.',
          commands: [{ tab: 'servers', text: 'ps -ef' }],
          hint: 'Restart the killed member with its mongod line, or its restart button.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'startedInStep', count: 1 },
              { kind: 'setHealthy', secondaries: 2 },
            ],
          },
          solution: ['# wait 12s', '# control restart killed', '# wait 10s'],
        },
      ],
    },
    {
      id: 'read-concern',
      title: 'Read concern: which data a read may see',
      intro: `**Read concern** says how settled the data must be. \`local\` (the default) returns what the member has
now, even a write that may yet be rolled back. \`majority\` returns only what a majority of members
have, which can never be rolled back. (\`linearizable\` goes further and also checks that the member
is still primary; this lab's mongod does not offer it yet.)`,
      steps: [
        {
          id: 'local-vs-majority',
          title: 'Local and majority on a cut-off primary',
          text: `Leave Python, connect mongosh straight to the primary, and press **isolate** on its card. Then, at
once, insert a document with \`w: 1\` and read it back twice: with read concern \`local\` and with
\`majority\`.`,
          predict: {
            question: 'The cut-off primary has the new document. Does the "majority" read return it?',
            choices: [
              { id: 'yes', text: 'Yes, it is on the member I ask' },
              { id: 'no', text: 'No: a majority does not have it' },
            ],
            observe: { kind: 'readShows', pattern: 'majority', text: 'unsure', yes: 'yes', no: 'no' },
          },
          commands: [
            { tab: 'client', text: 'exit()' },
            { tab: 'client', text: directPrimary },
            { tab: 'client', text: 'db.test.insertOne({unsure: true}, {writeConcern: {w: 1}})' },
            { tab: 'client', text: 'db.runCommand({find: "test", filter: {unsure: true}, readConcern: {level: "local"}}).cursor.firstBatch' },
            { tab: 'client', text: 'db.runCommand({find: "test", filter: {unsure: true}, readConcern: {level: "majority"}}).cursor.firstBatch' },
          ],
          hint: 'exit(), mongosh with directConnection to the primary, isolate it, insert {unsure: true} with w: 1, then the two runCommand reads.',
          check: { kind: 'readConcernCompared', text: 'unsure' },
          solution: [
            '# predict no',
            'exit()',
            directPrimary,
            '# control partition primary',
            'db.test.insertOne({unsure: true}, {writeConcern: {w: 1}})',
            'db.runCommand({find: "test", filter: {unsure: true}, readConcern: {level: "local"}}).cursor.firstBatch',
            'db.runCommand({find: "test", filter: {unsure: true}, readConcern: {level: "majority"}}).cursor.firstBatch',
            '# control heal',
          ],
        },
        {
          id: 'challenge',
          title: 'Challenge: reading with no primary at all',
          challenge: true,
          text: `Heal the network. Then, with all three members running, cut the network so that the set has no
primary, and while it has none read \`{x: 1}\` in Python through a client connected to the whole set
(not a direct connection).`,
          commands: [],
          hint: '',
          check: {
            kind: 'all',
            checks: [
              { kind: 'noPrimaryFor', seconds: 12, running: 3 },
              { kind: 'operationServed', operation: 'read', by: 'SECONDARY', api: 'MongoClient', viaSet: true, description: 'Read {x: 1} through a client connected to the set while there is no primary' },
            ],
          },
          solution: [
            '# control heal',
            '# wait 12s',
            'exit',
            'python',
            'from pymongo import MongoClient',
            `sp = MongoClient("${uri}&readPreference=secondaryPreferred")`,
            '# control partition morton.local:27017',
            '# control partition morton.local:27018',
            '# wait 25s',
            'sp.test.test.find_one()',
          ],
        },
      ],
    },
  ],
};
