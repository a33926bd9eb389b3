import { describe, expect, it } from 'vitest';
import type { LabEvent } from '@rslab/protocol';
import { observe } from '../../src/lessons/observe';
import { mark, member, view } from './labView';

const stepDown: LabEvent = { id: 7, at: 12_000, source: 'cluster', kind: 'stepDown', member: 'morton.local:27017', text: 'morton.local:27017 stepped down' };

describe('observe eventSeen', () => {
  const spec = { kind: 'eventSeen', event: 'stepDown', yes: 'steps-down', no: 'nothing', unseen: 'The primary stayed primary.' } as const;

  it('names the event it saw after the prediction', async () => {
    expect(await observe(spec, view({ events: [stepDown] }))).toEqual({ choiceId: 'steps-down', text: 'morton.local:27017 stepped down' });
  });

  it('says in the lesson’s words what did not happen, not the event’s code name', async () => {
    expect(await observe(spec, view({ events: [] }))).toEqual({ choiceId: 'nothing', text: 'The primary stayed primary.' });
    const { unseen: _unseen, ...plain } = spec;
    expect(await observe(plain, view({ events: [] }))).toEqual({ choiceId: 'nothing', text: 'No stepDown happened.' });
  });

  it('does not count an event from before the step began', async () => {
    const later = mark({ at: 20_000, eventId: 8 });
    expect((await observe(spec, view({ events: [stepDown], stepMark: later })))?.choiceId).toBe('nothing');
  });
});

describe('observe memberState', () => {
  const spec = { kind: 'memberState', port: 27019, states: { SECONDARY: 'catches-up', RECOVERING: 'stale' } } as const;
  const cluster = (state: 'STARTUP' | 'RECOVERING') => ({ at: 0, speed: 1, paused: false, setName: 'foo', members: [member('morton.local:27019', state)], links: [] });
  const tooStale: LabEvent = { id: 9, at: 30_000, source: 'cluster', kind: 'stateChange', member: 'morton.local:27019', text: 'morton.local:27019 is now RECOVERING (was SECONDARY): too stale to sync from morton.local:27017' };

  it('names the choice for the member\'s state, in the words of its last state change', async () => {
    expect(await observe(spec, view({ cluster: cluster('RECOVERING'), events: [tooStale] }))).toEqual({ choiceId: 'stale', text: tooStale.text });
    expect(await observe(spec, view({ cluster: cluster('RECOVERING') }))).toEqual({ choiceId: 'stale', text: 'morton.local:27019 is RECOVERING.' });
  });

  it('cannot tell while the member is in a state no choice names', async () => {
    expect(await observe(spec, view({ cluster: cluster('STARTUP') }))).toBeNull();
  });
});
