import { threeMemberSetup } from './elections';
import type { Lesson } from './model';

const setUri = 'mongosh "mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo"';

/** Lesson 8: network partitions — the minority primary steps down, the majority elects, no split brain. */
export const partitionsLesson: Lesson = {
  id: 'partitions',
  title: 'Network partitions: majority wins, and never two primaries',
  summary:
    'Cut the primary off and time how long it takes to step down, see the majority elect, isolate a secondary without disturbing anyone, and split the set so that nobody can lead.',
  minutes: 15,
  after: ['durability'],
  engines: ['sim'],
  setup: threeMemberSetup('pt'),
  chapters: [
    {
      id: 'minority-primary',
      title: 'The primary on the small side',
      intro: `A primary must keep hearing from a majority of the voting members, itself included. Cut it off, and
it steps down by itself once an election timeout has passed without a majority, while the members
on the majority side elect a new primary. In between there can be a moment with two members that
each believe they are primary, but only the one with a majority can commit a \`w: "majority"\`
write. Set **foo** is running on 27017, 27018 and 27019.`,
      steps: [
        {
          id: 'connect',
          title: 'Connect',
          text: 'Connect mongosh to the set, so you can ask it who is primary as things change.',
          commands: [
            { tab: 'client', text: setUri },
            { tab: 'client', text: 'db.hello().primary' },
          ],
          hint: `Run \`${setUri}\` in the client shell.`,
          check: { kind: 'clientOpen', api: 'mongosh', direct: false },
          solution: ['# tab:client', setUri, 'db.hello().primary'],
        },
        {
          id: 'isolate-primary',
          title: 'Isolate the primary',
          text: 'Cut the primary off from the other two members with the **isolate** button on its card, and watch both sides in the cluster view.',
          predict: {
            question: 'How long until the isolated primary stops being primary?',
            choices: [
              { id: 'at-once', text: 'At once: under 2 seconds' },
              { id: 'timeout', text: 'About an election timeout: 2 to 20 seconds' },
              { id: 'never', text: 'Not until the network heals' },
            ],
            observe: {
              kind: 'stepDownAfterPartition',
              buckets: [
                { choice: 'at-once', upToSeconds: 2 },
                { choice: 'timeout', upToSeconds: 20 },
                { choice: 'never', upToSeconds: Infinity },
              ],
            },
          },
          commands: [{ tab: 'client', text: 'db.hello().primary' }],
          hint: 'Press isolate on the primary\u2019s card, then wait about fifteen seconds.',
          check: { kind: 'steppedDownWhilePartitioned' },
          solution: ['# predict timeout', '# control partition primary', '# wait 20s', 'db.hello().primary'],
        },
        {
          id: 'heal',
          title: 'Heal, and watch it rejoin',
          text: 'Press **heal all links**. The old primary hears of the newer term and comes back as a SECONDARY of the new primary.',
          commands: [{ tab: 'client', text: 'rs.status().members.map(m => m.name + " " + m.stateStr)' }],
          hint: 'Press heal all links in the cluster view.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'clusterEvent', eventKind: 'heal', description: 'Heal the network with "heal all links"' },
              { kind: 'setHealthy', secondaries: 2 },
            ],
          },
          solution: ['# control heal', '# wait 8s'],
        },
      ],
    },
    {
      id: 'minority-secondary',
      title: 'A secondary on the small side',
      intro: `Cutting off a secondary leaves the primary with a majority (itself and the other secondary), so
nothing changes for clients. The lone secondary keeps trying to win an election; it first asks in a
**dry run** whether it could win, without raising the term, so when the network heals it does not
force the healthy primary to step down.`,
      steps: [
        {
          id: 'isolate-secondary',
          title: 'Isolate a secondary',
          text: 'Press **isolate** on a secondary\u2019s card, and watch the primary for fifteen seconds.',
          predict: {
            question: 'What happens to the primary?',
            choices: [
              { id: 'nothing', text: 'Nothing: it still has a majority' },
              { id: 'steps-down', text: 'It steps down: a member is missing' },
            ],
            observe: { kind: 'eventSeen', event: 'stepDown', yes: 'steps-down', no: 'nothing', unseen: 'The primary stayed primary: it still hears a majority, itself and the other secondary.' },
          },
          commands: [],
          hint: 'Press isolate on a secondary\u2019s card and wait fifteen seconds.',
          check: { kind: 'stablePrimaryFor', seconds: 15 },
          solution: ['# predict nothing', '# control partition {{host:secondary}}', '# wait 17s'],
        },
        {
          id: 'heal-again',
          title: 'Heal again',
          text: 'Heal the network; the isolated secondary catches up and nothing else changes.',
          commands: [],
          hint: 'Press heal all links.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'clusterEvent', eventKind: 'heal', description: 'Heal the network with "heal all links"' },
              { kind: 'setHealthy', secondaries: 2 },
            ],
          },
          solution: ['# control heal', '# wait 5s'],
        },
        {
          id: 'challenge',
          title: 'Challenge: nobody leads',
          challenge: true,
          text: 'With all three members running and nobody stopped, leave the set without a primary for 20 seconds, using only the network.',
          commands: [],
          hint: '',
          check: {
            kind: 'all',
            checks: [
              { kind: 'noneKilled' },
              { kind: 'noPrimaryFor', seconds: 20, running: 3 },
            ],
          },
          solution: ['# control partition morton.local:27017', '# control partition morton.local:27018', '# wait 35s'],
        },
      ],
    },
  ],
};
