import { beforeEach, describe, expect, it } from 'vitest';
import { selectCluster, selectEvents, selectViewingPast, showLive, useLab } from '../../src/store/lab';
import { playPause, replayLoaded, seekTo, selectPlayback, setSpeed, tick, useReplay } from '../../src/store/replay';
import { events, replay } from '../replay/helpers';

const primaryShown = () => selectCluster(useLab.getState())?.members.find((m) => m.state === 'PRIMARY')?.host;

describe('the replay store', () => {
  beforeEach(() => showLive());

  it('shows what the play is at as a past moment: the old primary first, the new one at the end, every event by then', () => {
    replayLoaded(replay);
    expect(selectViewingPast(useLab.getState())).toBe(true);
    expect(primaryShown()).toBe('a:1');
    expect(selectEvents(useLab.getState()).map((e) => e.id)).toEqual([1]);
    setSpeed(10);
    playPause();
    tick(500);
    expect(selectPlayback(useReplay.getState()).at).toBe(15_000);
    expect(primaryShown()).toBeUndefined();
    tick(10_000);
    expect(selectPlayback(useReplay.getState())).toMatchObject({ at: 20_000, playing: false });
    expect(primaryShown()).toBe('b:1');
    expect(selectEvents(useLab.getState())).toEqual(events);
    seekTo(12_000);
    expect(primaryShown()).toBe('a:1');
  });
});
