import type { Lesson, LessonSetup } from './model';

const setUri = 'mongosh "mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo"';
const line = (port: number, dbpath: string) => `mongod --port ${port} --dbpath ${dbpath} --replSet foo --oplogSize 2`;
const rollOver = "for (let i = 0; i < 40; i++) db.big.insertOne({s: 'x'.repeat(100000)})";
const newest = 'db.getSiblingDB("local").oplog.rs.find().sort({$natural: -1}).limit(3)';
const maxSize = 'db.getSiblingDB("local").oplog.rs.stats().maxSize';
const states = 'rs.status().members.map(m => m.name + " " + m.stateStr)';
const resize = 'db.adminCommand({replSetResizeOplog: 1, size: 2000})';

// Every member is started with --oplogSize 2: a 2 MB oplog, which forty 100 kB documents roll over
// in a moment. A real deployment's default is 5% of the disk (at least 990 MB, at most 50 GB).
const setup: LessonSetup = {
  replSetName: 'foo',
  oplogSizeMB: 2,
  members: [27017, 27018, 27019].map((port, i) => ({ port, dbpath: `/data/op${i}` })),
};

/**
 * Lesson 5: the oplog and initial sync — the oplog window, a member that falls off it (too stale,
 * RECOVERING), and initial sync of a new member and of the stale one.
 *
 * MongoDB 7.0 manual: "Replica Set Oplog" (size, window, the majority commit point,
 * oplogMinRetentionHours, replSetResizeOplog), "Resync a Member of a Replica Set" (a member whose
 * last entry is older than every source's oldest goes RECOVERING and needs a resync: stop it,
 * empty or move its data directory, start it), "Initial Sync" (clone every database but local,
 * then apply the source's oplog entries written meanwhile; STARTUP2 until it is done).
 */
export const oplogLesson: Lesson = {
  id: 'oplog',
  title: 'The oplog and initial sync',
  summary:
    'Read the oplog window with rs.printReplicationInfo(), roll a small oplog over while a secondary is down and watch it come back too stale (RECOVERING), then bring members in by initial sync.',
  minutes: 20,
  after: ['reconfig'],
  setup,
  chapters: [
    {
      id: 'window',
      title: 'The oplog and its window',
      intro: `The **oplog** (\`local.oplog.rs\`) is where a primary records every change it makes to the data, one
entry per document changed, written so that applying an entry twice does no harm. Secondaries
fetch these entries from a sync source and apply them. The oplog is capped by size: when it is
full, the oldest entries go (in MongoDB 7.0 never ones past the majority commit point, and with
\`oplogMinRetentionHours\` set, never ones younger than that). The time between its oldest and
newest entry is the **oplog window**: how long a member can be away and still catch up.

Set **foo** is running on 27017, 27018 and 27019, each started with \`--oplogSize 2\`: a 2 MB oplog
(the default is 5% of the disk, at least 990 MB).`,
      steps: [
        {
          id: 'replication-info',
          title: 'Read the oplog window',
          text: `Connect mongosh to the set and run \`rs.printReplicationInfo()\` on the primary. It shows the
configured size, the **log length start to end** (the window) and the times of the first and last
entries. The set has barely written anything yet, so the window is simply the set's age.`,
          commands: [
            { tab: 'client', text: setUri },
            { tab: 'client', text: 'rs.printReplicationInfo()' },
          ],
          hint: `Run \`${setUri}\`, then \`rs.printReplicationInfo()\`.`,
          check: { kind: 'commandRan', language: 'mongosh', pattern: 'printReplicationInfo|getReplicationInfo', description: 'rs.printReplicationInfo() in mongosh' },
          solution: ['# tab:client', setUri, 'rs.printReplicationInfo()'],
        },
        {
          id: 'entries',
          title: 'Look inside',
          text: `The oplog is a collection you can read. Its newest entries here are probably \`op: 'n'\`, the
no-op a primary writes every 10 seconds when nothing else happens, so that the secondaries can see
it is alive and how far they are. \`maxSize\` in its stats is the cap in bytes.`,
          commands: [
            { tab: 'client', text: newest },
            { tab: 'client', text: maxSize },
          ],
          hint: `Run \`${newest}\` and \`${maxSize}\`.`,
          check: { kind: 'commandRan', language: 'mongosh', pattern: 'oplog\\.rs', description: 'a read of local.oplog.rs (its entries or its stats) in mongosh' },
          solution: [newest, maxSize],
        },
      ],
    },
    {
      id: 'stale',
      title: 'Falling off the oplog',
      intro: `A secondary that comes back after a while asks its sync source for the entries after the last one it
applied. If the source's oldest entry is already newer than that, the entries in between are gone:
no source can give them any more, and the member cannot catch up by itself.`,
      steps: [
        {
          id: 'stop-member',
          title: 'Stop a secondary',
          text: 'Stop the member on 27019 with a plain `kill`. `rs.printSecondaryReplicationInfo()` then shows how far behind it stays.',
          commands: [
            { tab: 'servers', text: 'ps -ef' },
            { tab: 'servers', text: 'kill {{pid:27019}}' },
            { tab: 'client', text: 'rs.printSecondaryReplicationInfo()' },
          ],
          hint: 'ps -ef, then kill the PID of the mongod on port 27019.',
          check: { kind: 'clusterEvent', eventKind: 'processExited', port: 27019, description: 'Stop the member on port 27019 (kill its PID)' },
          solution: ['# tab:servers', 'kill {{pid:27019}}', '# wait 2s', '# tab:client', 'rs.printSecondaryReplicationInfo()'],
        },
        {
          id: 'roll-over',
          title: 'Roll the oplog over',
          text: `While 27019 is down, write about 4 MB on the primary: forty documents of 100 kB. Each insert is one
entry of about 100 kB, so a 2 MB oplog keeps only the last twenty or so. Run
\`rs.printReplicationInfo()\` again: the window has shrunk to seconds.`,
          commands: [
            { tab: 'client', text: rollOver },
            { tab: 'client', text: 'rs.printReplicationInfo()' },
          ],
          hint: `Run \`${rollOver}\` in mongosh.`,
          check: {
            kind: 'all',
            checks: [
              { kind: 'operationServed', operation: 'write', by: 'PRIMARY', api: 'mongosh', description: 'Write on the primary from mongosh' },
              { kind: 'oplogRolledPast', port: 27019 },
            ],
          },
          solution: [rollOver, 'rs.printReplicationInfo()'],
        },
        {
          id: 'restart-stale',
          title: 'Start it again',
          text: `Start 27019 again with the same line, then look at its state in \`rs.status()\` and at its log
(\`logs\` with its PID).`,
          predict: {
            question: 'The member on 27019 starts with the data it had. What happens to it?',
            choices: [
              { id: 'catches-up', text: 'It fetches what it missed and turns SECONDARY' },
              { id: 'stale', text: 'It finds no source that still has what it missed, and goes RECOVERING' },
              { id: 'initial-sync', text: 'It notices and copies all the data again by itself' },
            ],
            observe: { kind: 'memberState', port: 27019, states: { SECONDARY: 'catches-up', RECOVERING: 'stale', STARTUP2: 'initial-sync' } },
          },
          commands: [
            { tab: 'servers', text: line(27019, '/data/op2') },
            { tab: 'client', text: states },
            { tab: 'servers', text: 'logs {{pid:27019}}' },
          ],
          hint: `Run \`${line(27019, '/data/op2')}\` in the servers shell and wait a few seconds.`,
          check: { kind: 'memberStarted', port: 27019, state: 'RECOVERING' },
          solution: ['# predict stale', '# tab:servers', line(27019, '/data/op2'), '# wait 8s', '# tab:client', states],
        },
        {
          id: 'resize',
          title: 'A bigger oplog',
          text: `The cure is a window longer than any outage you expect. \`replSetResizeOplog\` changes a running
member's oplog size (in MB, at least 990) without a restart, and the size it sets stays across
restarts. It changes only the member you run it on: resize every member, since any of them may be
a sync source. Grow the primary's oplog to 2000 MB and read \`rs.printReplicationInfo()\` again.`,
          sinceThen: 'Before MongoDB 3.6 resizing the oplog meant restarting each member standalone and recreating local.oplog.rs by hand.',
          commands: [
            { tab: 'client', text: resize },
            { tab: 'client', text: 'rs.printReplicationInfo()' },
          ],
          hint: `Run \`${resize}\` in mongosh.`,
          check: { kind: 'commandRan', language: 'mongosh', pattern: 'replSetResizeOplog', description: 'replSetResizeOplog (size in MB, at least 990) in mongosh' },
          solution: [resize, 'rs.printReplicationInfo()'],
        },
      ],
    },
    {
      id: 'initial-sync',
      title: 'Initial sync',
      intro: `A member that starts with an empty data directory does an **initial sync** (state STARTUP2): it
notes where its sync source's oplog ends, clones every database but \`local\`, then applies the
entries the source wrote meanwhile, and turns SECONDARY. It never needs the source's old entries,
so a rolled-over oplog does not stop it. That is also how a stale member is mended: stop it, empty
its data directory (or move it aside and start on a fresh one), and start it again. (The manual's
other way is to copy a recent snapshot of another member's data files into it, which skips the
clone.) This lab's shell has no \`rm\`; a new \`--dbpath\` is just as empty.`,
      steps: [
        {
          id: 'new-member',
          title: 'Add a member by initial sync',
          text: `Start a fourth member on 27020 with an empty dbpath and add it. Watch it go STARTUP2 and then
SECONDARY, and read its log: the clone, then the oplog applied from where the clone began.`,
          commands: [
            { tab: 'servers', text: line(27020, '/data/op3') },
            { tab: 'client', text: 'rs.add("morton.local:27020")' },
            { tab: 'client', text: states },
            { tab: 'servers', text: 'logs {{pid:27020}}' },
          ],
          hint: `Run \`${line(27020, '/data/op3')}\`, then \`rs.add("morton.local:27020")\` in mongosh.`,
          check: {
            kind: 'all',
            checks: [
              { kind: 'memberConfig', port: 27020 },
              { kind: 'memberStarted', port: 27020, state: 'SECONDARY' },
            ],
          },
          solution: ['# tab:servers', line(27020, '/data/op3'), '# tab:client', 'rs.add("morton.local:27020")', '# wait 10s', states],
        },
        {
          id: 'challenge',
          title: 'Challenge: mend the stale member',
          challenge: true,
          text: 'Bring the member on 27019 back as a SECONDARY that holds all the data.',
          commands: [],
          hint: '',
          check: {
            kind: 'all',
            checks: [
              // A stale member restarted on its old data is SECONDARY for a moment before it finds it
              // is too stale: holding the primary's documents tells a mended member from that.
              { kind: 'restartedMember', ports: [27019], state: 'SECONDARY' },
              { kind: 'sameDocuments', port: 27019, ns: 'test.big' },
            ],
          },
          solution: ['# tab:servers', 'kill {{pid:27019}}', '# wait 2s', line(27019, '/data/op2-resync'), '# wait 15s'],
        },
      ],
    },
  ],
};
