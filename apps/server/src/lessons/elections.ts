import type { Lesson, LessonSetup } from './model';

const setUri = 'mongosh "mongodb://morton.local:27017,morton.local:27018,morton.local:27019/?replicaSet=foo"';
const secondaryUri = 'mongosh "mongodb://morton.local:{{port:secondary}}/?directConnection=true"';

export const threeMemberSetup = (prefix: string): LessonSetup => ({
  replSetName: 'foo',
  members: [27017, 27018, 27019].map((port, i) => ({ port, dbpath: `/data/${prefix}${i}` })),
});

/** Lesson 3: elections in depth — terms and votes, step-down, priority takeover, freeze, majorities. */
export const electionsLesson: Lesson = {
  id: 'elections',
  title: 'Elections in depth: terms, step-down, priority and freeze',
  summary:
    'Hand the primary over with rs.stepDown(), let a member with a higher priority take over, keep a member out of elections with rs.freeze(), and see why a set without a majority has no primary.',
  minutes: 20,
  after: ['today'],
  setup: threeMemberSetup('el'),
  chapters: [
    {
      id: 'step-down',
      title: 'Terms and a planned hand-over',
      intro: `Every election happens in a new **term**, a counter all members keep. A member votes at most once per
term, only for a candidate whose oplog is at least as recent as its own, and a candidate needs the
votes of a majority of the voting members. A higher term always wins: a primary that hears of one
steps down. This set is already running: three members on 27017, 27018 and 27019, set **foo**.`,
      steps: [
        {
          id: 'connect',
          title: 'Connect and read the term',
          text: 'Connect mongosh to the set and ask for the status: `term` is the current term, and each member says its state.',
          commands: [
            { tab: 'client', text: setUri },
            { tab: 'client', text: 'rs.status().term' },
            { tab: 'client', text: 'rs.status().members.map(m => m.name + " " + m.stateStr)' },
          ],
          hint: `Run \`${setUri}\` in the client shell, then rs.status().term.`,
          check: { kind: 'clientOpen', api: 'mongosh', direct: false },
          solution: ['# tab:client', setUri, 'rs.status().term'],
        },
        {
          id: 'step-down',
          title: 'Step the primary down',
          text: `\`rs.stepDown(stepDownSecs, secondaryCatchUpPeriodSecs)\` asks the primary to give up its role. It
waits up to \`secondaryCatchUpPeriodSecs\` (10 s by default) for a secondary to catch up with its
oplog, then steps down and will not stand for election for \`stepDownSecs\` (60 s by default; 30
here, to keep the lesson moving). The caught-up secondary is told to stand at once, so the
hand-over takes about a second, with a new term. Ask for the term again afterwards.`,
          predict: {
            question: 'After the step-down, which member do you expect to be primary?',
            choices: [
              { id: '27017', text: 'The one on 27017' },
              { id: '27018', text: 'The one on 27018' },
              { id: '27019', text: 'The one on 27019' },
            ],
            observe: { kind: 'newPrimary' },
          },
          commands: [
            { tab: 'client', text: 'rs.stepDown(30)' },
            { tab: 'client', text: 'rs.status().term' },
          ],
          hint: 'Run rs.stepDown(30) in the mongosh connected to the set.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'clusterEvent', eventKind: 'stepDown', description: 'Step the primary down with rs.stepDown()' },
              { kind: 'clusterEvent', eventKind: 'electionWon', description: 'Wait for a member to win the election that follows' },
            ],
          },
          solution: ['# predict 27018', 'rs.stepDown(30)', '# wait 5s', 'rs.status().term'],
        },
      ],
    },
    {
      id: 'priority',
      title: 'Priorities and takeover',
      intro: `Each member has a \`priority\`, 1 by default; 0 means never primary. A secondary whose priority is
higher than the primary's, and whose oplog is within a couple of seconds of it, calls an election to
take over: a **priority takeover**. Priorities say where you want the primary, for instance in the
data centre next to your application.`,
      steps: [
        {
          id: 'priority-takeover',
          title: 'Give a secondary priority 2',
          text: `Fetch the config, raise the priority of a member that is a secondary now (the line below names one,
filled in from the cluster view), and reconfigure. Watch the timeline.`,
          predict: {
            question: 'What happens once the reconfig is accepted?',
            choices: [
              { id: 'takeover', text: 'That member calls an election within seconds and becomes primary' },
              { id: 'waits', text: 'It becomes primary only when the current primary fails' },
              { id: 'nothing', text: 'Nothing: priority only counts when the set is initiated' },
            ],
            observe: { kind: 'priorityTakeover', yes: 'takeover', no: 'waits' },
          },
          commands: [
            { tab: 'client', text: 'cfg = rs.conf()' },
            { tab: 'client', text: 'cfg.members[{{index:secondary}}].priority = 2' },
            { tab: 'client', text: 'rs.reconfig(cfg)' },
          ],
          hint: 'cfg = rs.conf(); set the priority of a secondary\u2019s entry in cfg.members to 2; rs.reconfig(cfg); wait.',
          check: { kind: 'priorityTakeover' },
          solution: ['# predict takeover', 'cfg = rs.conf()', 'cfg.members[{{index:secondary}}].priority = 2', 'rs.reconfig(cfg)', '# wait 20s'],
        },
        {
          id: 'freeze',
          title: 'Freeze a secondary, then step down',
          text: `\`rs.freeze(seconds)\` tells a secondary not to stand for election for that long (maintenance is the
usual reason). It runs on the member itself, so connect to a secondary directly, freeze it for
120 s, then go back to the set and step the primary down again.`,
          predict: {
            question: 'With one secondary frozen, who is primary after the step-down?',
            choices: [
              { id: 'frozen', text: 'The frozen secondary' },
              { id: 'other', text: 'The other secondary' },
              { id: 'nobody', text: 'Nobody, until the freeze ends' },
            ],
            observe: { kind: 'electionAfterFreeze' },
          },
          commands: [
            { tab: 'client', text: 'exit' },
            { tab: 'client', text: secondaryUri },
            { tab: 'client', text: 'rs.freeze(120)' },
            { tab: 'client', text: 'exit' },
            { tab: 'client', text: setUri },
            { tab: 'client', text: 'rs.stepDown()' },
          ],
          hint: 'exit; mongosh directly to a secondary; rs.freeze(120); exit; mongosh to the set; rs.stepDown().',
          check: {
            kind: 'all',
            checks: [
              { kind: 'operationServed', operation: 'command', by: 'SECONDARY', pattern: 'freeze', description: 'Freeze a secondary: rs.freeze(120) in a mongosh connected straight to it' },
              { kind: 'clusterEvent', eventKind: 'stepDown', description: 'Then step the primary down' },
              { kind: 'clusterEvent', eventKind: 'electionWon', description: 'Wait for the election that follows' },
            ],
          },
          solution: ['# predict other', 'exit', secondaryUri, 'rs.freeze(120)', 'exit', setUri, 'rs.stepDown()', '# wait 8s'],
        },
      ],
    },
    {
      id: 'majority',
      title: 'No majority, no primary',
      intro: `A primary needs to hear from a majority of the voting members, itself included, or it steps down;
that is what stops two primaries from both taking writes. With three voters, the set survives one
failure. With four it needs three for a majority and still survives only one, which is why an even
number of voters helps nobody: add a fifth, or make the fourth a non-voter.`,
      steps: [
        {
          id: 'lose-majority',
          title: 'Kill both secondaries',
          text: 'Kill the two secondaries with `kill -9`, one after the other, and watch the primary\u2019s card.',
          predict: {
            question: 'The primary itself keeps running. What does it do?',
            choices: [
              { id: 'stays', text: 'It stays primary: nothing happened to it' },
              { id: 'steps-down', text: 'It steps down within about an election timeout' },
              { id: 'at-once', text: 'It shuts itself down' },
            ],
            observe: { kind: 'eventSeen', event: 'stepDown', yes: 'steps-down', no: 'stays', unseen: 'The primary has not stepped down (yet).' },
          },
          commands: [
            { tab: 'servers', text: 'kill -9 {{pid:secondary}}' },
            { tab: 'servers', text: 'kill -9 {{pid:secondary}}' },
          ],
          hint: 'In the servers shell, kill -9 each secondary\u2019s PID (ps -ef lists them).',
          check: { kind: 'noPrimaryFor', seconds: 3, running: 1 },
          solution: ['# predict steps-down', '# tab:servers', 'kill -9 {{pid:secondary}}', 'kill -9 {{pid:secondary}}', '# wait 15s'],
        },
        {
          id: 'restore',
          title: 'Bring them back',
          text: 'Start both members again with their own `mongod` lines (or **restart** on their cards). With a majority back, the set elects a primary.',
          commands: [
            { tab: 'servers', text: 'ps -ef' },
          ],
          hint: 'Restart both killed members; the set needs one PRIMARY and two SECONDARY members again.',
          check: {
            kind: 'all',
            checks: [
              { kind: 'startedInStep', count: 2 },
              { kind: 'setHealthy', secondaries: 2 },
            ],
          },
          solution: ['# control restart killed', '# wait 20s'],
        },
        {
          id: 'challenge',
          title: 'Challenge: 27017 as primary, nobody stopped',
          challenge: true,
          text: 'Make the member on port 27017 win an election and be primary, without stopping any member.',
          commands: [],
          hint: '',
          check: {
            kind: 'all',
            checks: [
              { kind: 'noneKilled' },
              { kind: 'clusterEvent', eventKind: 'electionWon', port: 27017, description: 'Have the member on port 27017 win an election' },
              { kind: 'primaryIs', port: 27017 },
            ],
          },
          solution: ['# tab:client', 'cfg = rs.conf()', 'cfg.members[0].priority = 5', 'rs.reconfig(cfg)', '# wait 20s', 'rs.stepDown(20)', '# wait 40s'],
        },
      ],
    },
  ],
};
