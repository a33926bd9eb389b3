import type { LessonProgress, ServerMessage } from '@rslab/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { applySandboxMessage, isSandboxMessage, lessonView, stepCommandsMax } from '../../src/app/sandboxMessages';
import { controlSent, resetSandboxState, useLab } from '../../src/store/lab';
import { member } from '../cluster/helpers';

const cluster: Extract<ServerMessage, { type: 'cluster' }> = {
  type: 'cluster',
  cluster: { at: 5, speed: 1, paused: false, setName: 'foo', members: [member('h:1')], links: [] },
};
const events: Extract<ServerMessage, { type: 'events' }> = {
  type: 'events',
  events: [{ id: 1, at: 5, source: 'cluster', kind: 'stateChange', member: 'h:1', text: 'STARTUP → SECONDARY' }],
};

describe('sandbox messages', () => {
  beforeEach(() => resetSandboxState());

  it('tells sandbox-state messages from terminal ones', () => {
    expect(isSandboxMessage(cluster)).toBe(true);
    expect(isSandboxMessage({ type: 'control.ack', requestId: 1, ok: true, message: '' })).toBe(true);
    expect(isSandboxMessage({ type: 'output', tab: 't', data: 'x' })).toBe(false);
  });

  it('puts cluster, events and lesson in the store with the arrival time', () => {
    applySandboxMessage(cluster, { ignoreSandboxState: false, nowWallMillis: 123 });
    applySandboxMessage(events, { ignoreSandboxState: false, nowWallMillis: 124 });
    expect(useLab.getState().cluster?.members[0]?.host).toBe('h:1');
    expect(useLab.getState().clusterReceivedAt).toBe(123);
    expect(useLab.getState().events).toHaveLength(1);
  });

  it('drops the server’s sandbox state while a fixture plays, but still takes acks', () => {
    applySandboxMessage(cluster, { ignoreSandboxState: true, nowWallMillis: 1 });
    applySandboxMessage(events, { ignoreSandboxState: true, nowWallMillis: 1 });
    expect(useLab.getState().cluster).toBeNull();
    expect(useLab.getState().events).toHaveLength(0);
    controlSent({ requestId: 3, action: 'kill', target: 'h:1', sentAtWallMillis: 0 });
    applySandboxMessage({ type: 'control.ack', requestId: 3, ok: false, message: 'no such member' }, { ignoreSandboxState: true, nowWallMillis: 1 });
    expect(useLab.getState().controlFailure?.message).toBe('no such member');
    expect(useLab.getState().pendingControls).toEqual({});
  });
});

describe('lessonView', () => {
  const base: LessonProgress = {
    lessonId: 'l',
    chapterIndex: 0,
    stepIndex: 0,
    steps: [{ id: 's1', title: 'Start', state: 'current', reason: '2 of 3 members are running' }],
  };

  it('renders today’s progress with no lesson content', () => {
    expect(lessonView(base)).toEqual(base);
  });

  it('keeps the server saying the lab is still being set up, and only a true one', () => {
    expect(lessonView({ ...base, preparing: true }).preparing).toBe(true);
    expect('preparing' in lessonView({ ...base, preparing: false })).toBe(false);
  });

  it('takes lesson content the server adds, when well typed', () => {
    const progress = {
      ...base,
      title: 'Replica sets',
      steps: [{ ...base.steps[0], chapter: 'Start the nodes', markdown: 'Run **mongod**', hint: 'three lines', commands: ['hostname', 42, '  ', 'ps'] }],
    } as unknown as LessonProgress;
    const view = lessonView(progress);
    expect(view.title).toBe('Replica sets');
    expect(view.steps[0]).toMatchObject({ chapter: 'Start the nodes', markdown: 'Run **mongod**', hint: 'three lines', commands: ['hostname', 'ps'] });
  });

  it('ignores extras of the wrong type and caps the commands', () => {
    const progress = {
      ...base,
      markdown: { html: '<b>' },
      steps: [{ ...base.steps[0], hint: 7, commands: Array.from({ length: 50 }, (_, i) => `echo ${i}`) }],
    } as unknown as LessonProgress;
    const view = lessonView(progress);
    expect(view.markdown).toBeUndefined();
    expect(view.steps[0]?.hint).toBeUndefined();
    expect(view.steps[0]?.commands).toHaveLength(stepCommandsMax);
  });
  it('knows which shell each command goes in: as the server says, else from the command', () => {
    const view = lessonView({
      ...base,
      steps: [
        {
          ...base.steps[0],
          commands: ['python', { tab: 'servers', text: 'ps' }, 'kill 42', 'rs.status()'],
          commandTabs: ['client', 'client', 'bogus', 'servers'],
        } as unknown as LessonProgress['steps'][number],
      ],
    });
    expect(view.steps[0]?.commands).toEqual(['python', 'ps', 'kill 42', 'rs.status()']);
    expect(view.steps[0]?.commandShells).toEqual(['client', 'servers', 'servers', 'servers']);
    const inferred = lessonView({ ...base, steps: [{ ...base.steps[0], commands: ['hostname', 'db.test.find_one()'] } as unknown as LessonProgress['steps'][number]] });
    expect(inferred.steps[0]?.commandShells).toEqual(['servers', 'client']);
    expect(inferred.steps[0]?.commandLanguages).toBeUndefined();
  });
  it('keeps what each command is typed into only when the server gives one valid language per command', () => {
    const step = (commandLanguages: unknown) =>
      lessonView({ ...base, steps: [{ ...base.steps[0], commands: ['python', 'import pymongo'], commandLanguages } as unknown as LessonProgress['steps'][number]] }).steps[0];
    expect(step(['bash', 'python'])?.commandLanguages).toEqual(['bash', 'python']);
    expect(step(['bash'])?.commandLanguages).toBeUndefined();
    expect(step(['bash', 'perl'])?.commandLanguages).toBeUndefined();
  });
});

describe('lessonView: the catalog', () => {
  it('keeps the lesson catalog so the pane can offer a switch', () => {
    const progress = {
      lessonId: 'walkthrough',
      chapterIndex: 0,
      stepIndex: 0,
      steps: [],
      catalog: [
        { id: 'walkthrough', title: 'First', summary: 'one', available: true },
        { id: 'beyond', title: 'Second', summary: 'two', available: false },
      ],
    };
    expect(lessonView(progress).catalog?.map((l) => [l.id, l.available])).toEqual([
      ['walkthrough', true],
      ['beyond', false],
    ]);
    expect(lessonView({ ...progress, catalog: undefined }).catalog).toBeUndefined();
  });
});
