import type { Lesson, LessonSetup } from './model';

const uri = 'mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo';
const line = (port: number, extra = '') => `mongod --port ${port} --dbpath /data/mt${port - 27017} --replSet foo${extra}`;

// 27017 has priority 2, so it is the primary whenever it is up and caught up: the order of a
// rolling restart (secondaries first, the primary last) is then the same on every run.
const setup: LessonSetup = {
  replSetName: 'foo',
  members: [
    { port: 27017, dbpath: '/data/mt0', priority: 2 },
    { port: 27018, dbpath: '/data/mt1' },
    { port: 27019, dbpath: '/data/mt2' },
  ],
};

/** Lesson 9: maintenance — a rolling restart with a step-down, without the application seeing an error. */
export const maintenanceLesson: Lesson = {
  id: 'maintenance',
  title: 'Maintenance: a rolling restart the application never notices',
  summary:
    'Restart every member of a running set one at a time, secondaries first and the primary last after a step-down, while a MongoClient application keeps writing and reading without an error.',
  minutes: 20,
  after: ['elections'],
  setup,
  chapters: [
    {
      id: 'rolling',
      title: 'One member at a time',
      intro: `Upgrading MongoDB, changing a startup option or patching the machine means restarting every member.
Done one member at a time, the set always keeps a majority, so it always has a primary: restart the
secondaries first, each time waiting until it is SECONDARY again, then step the primary down (a
planned hand-over of about a second) and restart it last. Here 27017 has priority 2: it is the
primary now, and it takes the role back once it has caught up after its restart.`,
      steps: [
        {
          id: 'app',
          title: 'Start the application',
          text: 'In Python, connect a MongoClient to the set and write and read once: that is your application. Keep using it between the restarts.',
          commands: [
            { tab: 'client', text: 'python' },
            { tab: 'client', text: 'from pymongo import MongoClient' },
            { tab: 'client', text: `app = MongoClient("${uri}")` },
            { tab: 'client', text: 'app.shop.orders.insert_one({"n": 1})' },
            { tab: 'client', text: 'app.shop.orders.count_documents({})' },
          ],
          hint: 'python, the import, the MongoClient line, then insert_one and count_documents.',
          check: { kind: 'operationServed', operation: 'write', by: 'PRIMARY', api: 'MongoClient', description: 'Write once with the application\u2019s MongoClient' },
          solution: ['# tab:client', 'python', 'from pymongo import MongoClient', `app = MongoClient("${uri}")`, 'app.shop.orders.insert_one({"n": 1})', 'app.shop.orders.count_documents({})'],
        },
        {
          id: 'first-secondary',
          title: 'Restart the member on 27018',
          text: `Stop the secondary on 27018 with a plain \`kill\` (a clean shutdown), start it again with the same
line, and write and read with the application while it is away and once it is back.`,
          commands: [
            { tab: 'servers', text: 'ps -ef' },
            { tab: 'servers', text: 'kill {{pid:27018}}' },
            { tab: 'client', text: 'app.shop.orders.insert_one({"n": 2})' },
            { tab: 'servers', text: line(27018) },
            { tab: 'client', text: 'app.shop.orders.count_documents({})' },
          ],
          hint: 'ps -ef, kill the PID of the mongod on 27018, insert, start it again, count.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'restartedMember', ports: [27018], state: 'SECONDARY' },
              { kind: 'operationsOk', api: 'MongoClient', minimum: 2 },
            ],
          },
          solution: ['# tab:servers', 'kill {{pid:27018}}', '# tab:client', 'app.shop.orders.insert_one({"n": 2})', '# tab:servers', line(27018), '# wait 8s', '# tab:client', 'app.shop.orders.count_documents({})'],
        },
        {
          id: 'second-secondary',
          title: 'Then the member on 27019',
          text: 'The same for the secondary on 27019, once 27018 is SECONDARY again.',
          commands: [
            { tab: 'servers', text: 'kill {{pid:27019}}' },
            { tab: 'client', text: 'app.shop.orders.insert_one({"n": 3})' },
            { tab: 'servers', text: line(27019) },
            { tab: 'client', text: 'app.shop.orders.count_documents({})' },
          ],
          hint: 'kill the mongod on 27019, insert, start it again, count.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'restartedMember', ports: [27019], state: 'SECONDARY' },
              { kind: 'operationsOk', api: 'MongoClient', minimum: 2 },
            ],
          },
          solution: ['# tab:servers', 'kill {{pid:27019}}', '# tab:client', 'app.shop.orders.insert_one({"n": 3})', '# tab:servers', line(27019), '# wait 8s', '# tab:client', 'app.shop.orders.count_documents({})'],
        },
        {
          id: 'primary-last',
          title: 'Step the primary down, then restart it',
          text: `Ask the primary to step down (from the application's client: \`replSetStepDown\`, 60 seconds), write
at once, then restart the member on 27017 and watch it take over again.`,
          predict: {
            question: 'You insert right after the step-down, while the set elects. What does the application see?',
            choices: [
              { id: 'error', text: 'An error it must handle' },
              { id: 'waits', text: 'A short wait, then success' },
            ],
            observe: { kind: 'operationOutcome', operation: 'write', ok: 'waits', errors: {}, otherError: 'error' },
          },
          commands: [
            { tab: 'client', text: 'app.admin.command("replSetStepDown", 60)' },
            { tab: 'client', text: 'app.shop.orders.insert_one({"n": 4})' },
            { tab: 'servers', text: 'kill {{pid:27017}}' },
            { tab: 'servers', text: line(27017) },
            { tab: 'client', text: 'app.shop.orders.count_documents({})' },
          ],
          hint: 'replSetStepDown from Python, insert, kill the mongod on 27017, start it again, count.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'clusterEvent', eventKind: 'stepDown', port: 27017, description: 'Step the primary on 27017 down first' },
              { kind: 'restartedMember', ports: [27017], state: 'PRIMARY' },
              { kind: 'operationsOk', api: 'MongoClient', minimum: 2 },
            ],
          },
          solution: [
            '# predict waits',
            'app.admin.command("replSetStepDown", 60)',
            'app.shop.orders.insert_one({"n": 4})',
            '# tab:servers',
            'kill {{pid:27017}}',
            '# wait 2s',
            line(27017),
            '# wait 25s',
            '# tab:client',
            'app.shop.orders.count_documents({})',
          ],
        },
        {
          id: 'challenge',
          title: 'Challenge: a rolling change of options',
          challenge: true,
          text: `Restart all three members again, this time each with \`--oplogSize 100\` added to its line, without
one of the application's reads or writes failing (use it at least three times along the way). At
the end every member runs with the new option and 27017 is primary.`,
          commands: [],
          hint: '',
          check: {
            kind: 'all',
            checks: [
              // In the rolling order, secondaries first: the reason names the next member to restart.
              { kind: 'restartedMember', ports: [27018, 27019, 27017], argv: '--oplogSize' },
              { kind: 'operationsOk', api: 'MongoClient', minimum: 3 },
              { kind: 'primaryIs', port: 27017 },
              { kind: 'setHealthy', secondaries: 2 },
            ],
          },
          solution: [
            '# tab:servers',
            'kill {{pid:27018}}',
            line(27018, ' --oplogSize 100'),
            '# wait 8s',
            '# tab:client',
            'app.shop.orders.insert_one({"n": 5})',
            '# tab:servers',
            'kill {{pid:27019}}',
            line(27019, ' --oplogSize 100'),
            '# wait 8s',
            '# tab:client',
            'app.shop.orders.insert_one({"n": 6})',
            'app.admin.command("replSetStepDown", 60)',
            '# tab:servers',
            'kill {{pid:27017}}',
            '# wait 2s',
            line(27017, ' --oplogSize 100'),
            '# wait 25s',
            '# tab:client',
            'app.shop.orders.count_documents({})',
          ],
        },
      ],
    },
  ],
};
