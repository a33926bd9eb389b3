import { threeMemberSetup } from './elections';
import type { Lesson } from './model';

const setUri = 'mongosh "mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo"';
const fourth = 'mongod --port 27020 --dbpath /data/rc3 --replSet foo';
const arbiter = 'mongod --port 27021 --dbpath /data/rc4 --replSet foo';

/** Lesson 4: reconfiguration — add and remove members, arbiters, non-voting and hidden members. */
export const reconfigLesson: Lesson = {
  id: 'reconfig',
  title: 'Reconfiguration: adding, removing, arbiters, votes and hidden members',
  summary:
    'Grow the set with rs.add(), add an arbiter and take it out again, make a member non-voting and hidden, and change votes one at a time as MongoDB requires.',
  minutes: 20,
  after: ['elections'],
  setup: threeMemberSetup('rc'),
  chapters: [
    {
      id: 'grow',
      title: 'A fourth member',
      intro: `A set's membership lives in its config, which you change on the primary with \`rs.reconfig()\` or its
helpers \`rs.add()\` and \`rs.remove()\`. Each change raises the config's \`version\`; the other members
pick the new config up through their heartbeats. Set **foo** is running on 27017, 27018 and 27019.`,
      steps: [
        {
          id: 'connect',
          title: 'Connect to the set',
          text: 'Connect mongosh to the set and look at the members of its config.',
          commands: [
            { tab: 'client', text: setUri },
            { tab: 'client', text: 'rs.conf().members.map(m => m.host + " votes " + m.votes + " priority " + m.priority)' },
          ],
          hint: `Run \`${setUri}\` in the client shell.`,
          check: { kind: 'clientOpen', api: 'mongosh', direct: false },
          solution: ['# tab:client', setUri, 'rs.conf().members.map(m => m.host + " votes " + m.votes + " priority " + m.priority)'],
        },
        {
          id: 'add-member',
          title: 'Start a member and add it',
          text: `Start a fourth \`mongod\` in the servers shell, then add it from mongosh. It comes up in
**STARTUP2**, copies the data from a sync source (its initial sync), then turns **SECONDARY**. Until
then it does not vote: the primary marks it \`newlyAdded\` (\`rs.status().votingMembersCount\` stays 3)
and, once it is SECONDARY, removes the mark with a reconfig of its own, so the config's version goes
up by two.`,
          predict: {
            question: 'With four voting members, how many votes does a candidate need to become primary?',
            choices: [
              { id: '2', text: '2, half of them' },
              { id: '3', text: '3, more than half' },
              { id: '4', text: '4, all of them' },
            ],
            observe: { kind: 'majority', answer: 'votes' },
          },
          commands: [
            { tab: 'servers', text: fourth },
            { tab: 'client', text: 'rs.add("morton.local:27020")' },
            { tab: 'client', text: 'rs.status().members.map(m => m.name + " " + m.stateStr)' },
          ],
          hint: `Run \`${fourth}\` in the servers shell and \`rs.add("morton.local:27020")\` in mongosh.`,
          check: {
            kind: 'all',
            checks: [
              { kind: 'memberConfig', port: 27020 },
              { kind: 'setHealthy', secondaries: 3 },
            ],
          },
          solution: ['# predict 3', '# tab:servers', fourth, '# tab:client', 'rs.add("morton.local:27020")', '# wait 10s'],
        },
      ],
    },
    {
      id: 'arbiter',
      title: 'Arbiters, and why to avoid them',
      intro: `An **arbiter** is a member that votes but holds no data. It makes an odd number of voters cheaply,
which is why people add one. MongoDB advises against it: with a data-bearing member down, a
primary-secondary-arbiter set still elects a primary, but \`w: "majority"\` writes can no longer be
acknowledged (only one member holds data), the majority commit point stops, and the primary's cache
fills with history it must keep. Prefer another data-bearing member. (MongoDB 5.0 and later refuse
a reconfig that would change the implicit default write concern — adding an arbiter to a
two-member set turns it from \`"majority"\` into \`1\` — until you set a cluster-wide one with
\`setDefaultRWConcern\`. With four data-bearing members here the default stays \`"majority"\`.)`,
      steps: [
        {
          id: 'add-arbiter',
          title: 'Add an arbiter',
          text: 'Start a fifth `mongod` and add it as an arbiter: the `true` after the host says so (`rs.addArb()` does the same).',
          predict: {
            question: 'Five voting members now. How many of them can fail with the set still able to elect a primary?',
            choices: [
              { id: '1', text: 'One' },
              { id: '2', text: 'Two' },
              { id: '3', text: 'Three' },
            ],
            observe: { kind: 'majority', answer: 'tolerance' },
          },
          commands: [
            { tab: 'servers', text: arbiter },
            { tab: 'client', text: 'rs.add("morton.local:27021", true)' },
          ],
          hint: `Run \`${arbiter}\`, then \`rs.add("morton.local:27021", true)\`.`,
          check: { kind: 'memberConfig', port: 27021, arbiterOnly: true },
          solution: ['# predict 2', '# tab:servers', arbiter, '# tab:client', 'rs.add("morton.local:27021", true)', '# wait 5s'],
        },
        {
          id: 'remove-arbiter',
          title: 'Remove it again',
          text: `\`rs.remove()\` takes a member out of the config. Stop its \`mongod\` afterwards if you like: a removed
member that is still running shows **REMOVED**.`,
          commands: [{ tab: 'client', text: 'rs.remove("morton.local:27021")' }],
          hint: 'Run rs.remove("morton.local:27021").',
          check: { kind: 'memberConfig', port: 27021, present: false },
          solution: ['rs.remove("morton.local:27021")', '# wait 3s'],
        },
      ],
    },
    {
      id: 'votes',
      title: 'Non-voting and hidden members',
      intro: `A member with \`votes: 0\` copies the data but takes no part in elections; a set may have up to 50
members but at most 7 voters. A non-voter must also have \`priority: 0\`. A **hidden** member
(\`hidden: true\`, which needs \`priority: 0\`) is left out of what members tell clients, so no
application reads from it: the usual place for backups or reporting. A delayed member
(\`secondaryDelaySecs\`) is hidden as well; this lab's mongod accepts the setting but does not delay
the copy yet. Since MongoDB 4.4 a reconfig may add or remove at most **one voting member** at a time;
bigger changes take several reconfigs, each waiting for the last to reach a majority.`,
      steps: [
        {
          id: 'non-voting',
          title: 'Make the fourth member a non-voter',
          text: 'Give the member on 27020 `votes: 0` and `priority: 0`; the set is back to three voters.',
          commands: [
            { tab: 'client', text: 'cfg = rs.conf()' },
            { tab: 'client', text: 'cfg.members[3].votes = 0' },
            { tab: 'client', text: 'cfg.members[3].priority = 0' },
            { tab: 'client', text: 'rs.reconfig(cfg)' },
          ],
          hint: 'cfg = rs.conf(); cfg.members[3].votes = 0; cfg.members[3].priority = 0; rs.reconfig(cfg).',
          check: {
            kind: 'all',
            checks: [
              { kind: 'memberConfig', port: 27020, votes: 0, priority: 0 },
              { kind: 'votingMembers', count: 3 },
            ],
          },
          solution: ['cfg = rs.conf()', 'cfg.members[3].votes = 0', 'cfg.members[3].priority = 0', 'rs.reconfig(cfg)', '# wait 3s'],
        },
        {
          id: 'hidden',
          title: 'Hide it',
          text: 'Now hide it, and compare what `db.hello().hosts` lists before and after.',
          commands: [
            { tab: 'client', text: 'cfg = rs.conf()' },
            { tab: 'client', text: 'cfg.members[3].hidden = true' },
            { tab: 'client', text: 'rs.reconfig(cfg)' },
            { tab: 'client', text: 'db.hello().hosts' },
          ],
          hint: 'cfg = rs.conf(); cfg.members[3].hidden = true; rs.reconfig(cfg); then db.hello().hosts.',
          check: { kind: 'memberConfig', port: 27020, hidden: true },
          solution: ['cfg = rs.conf()', 'cfg.members[3].hidden = true', 'rs.reconfig(cfg)', '# wait 3s', 'db.hello().hosts'],
        },
        {
          id: 'challenge',
          title: 'Challenge: 27020 in charge, with an odd number of voters',
          challenge: true,
          text: `Make the member on 27020 the primary, as a visible voting member, while the set keeps exactly
three voting members.`,
          commands: [],
          hint: '',
          check: {
            kind: 'all',
            checks: [
              { kind: 'memberConfig', port: 27020, votes: 1, hidden: false },
              { kind: 'votingMembers', count: 3 },
              { kind: 'primaryIs', port: 27020 },
            ],
          },
          solution: [
            'cfg = rs.conf()',
            'cfg.members[{{index:secondary}}].votes = 0',
            'cfg.members[{{index:secondary}}].priority = 0',
            'rs.reconfig(cfg)',
            '# wait 5s',
            'cfg = rs.conf()',
            'cfg.members[3].votes = 1',
            'cfg.members[3].priority = 2',
            'cfg.members[3].hidden = false',
            'rs.reconfig(cfg)',
            '# wait 25s',
          ],
        },
      ],
    },
  ],
};
