import { describe, expect, it } from 'vitest';
import { Autoplay, type AutoplayPorts, type AutoplayStep } from '../../src/rooms/autoplay';
import { parseRoomRoute, roomHash, displayCode } from '../../src/rooms/route';

function harness(steps: AutoplayStep[], failAt: string | null = null) {
  let index = 0;
  const log: string[] = [];
  const states: string[] = [];
  let tick: (() => void) | null = null;
  const ports: AutoplayPorts = {
    currentStep: () => steps[index] ?? null,
    openShell: async () => true,
    alreadyDone: (command) => command === 'python',
    typeCharacter: (_command, character) => log.push(character),
    submit: async (command) => {
      log.push(`⏎${command}`);
    },
    stepDone: async (stepId) => {
      if (stepId === failAt) return false;
      index += 1;
      log.push(`✓${stepId}`);
      return true;
    },
    prepare: (command) => command.replace('PID', '42'),
    // Each sleep waits for the test to let it go on, so pausing can happen between characters.
    sleep: () => new Promise<void>((resolve) => (tick = resolve)),
    onState: (state, note) => states.push(note ? `${state}: ${note}` : state),
  };
  const step = async (times = 1) => {
    for (let i = 0; i < times; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const next = tick;
      tick = null;
      next?.();
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { ports, log, states, step };
}

describe('autoplay', () => {
  it('types each command a character at a time, submits it, and waits for the check before the next step', async () => {
    const h = harness([
      { id: 'a', title: 'A', commands: ['ps', 'python', 'kill PID'] },
      { id: 'b', title: 'B', commands: [] },
    ]);
    const autoplay = new Autoplay(h.ports, { characterMillis: 1, afterCommandMillis: 1, checkTimeoutMillis: 10 });
    autoplay.play();
    await h.step(20);
    expect(h.log.join('')).toBe('ps⏎pskill 42⏎kill PID✓a✓b');
    expect(h.states.at(-1)).toBe('off: the lesson is finished');
  });

  it('pauses between characters and resumes where it stopped', async () => {
    const h = harness([{ id: 'a', title: 'A', commands: ['hostname'] }]);
    const autoplay = new Autoplay(h.ports, { characterMillis: 1, afterCommandMillis: 1, checkTimeoutMillis: 10 });
    autoplay.play();
    await h.step(2);
    autoplay.pause();
    const typed = h.log.length;
    await h.step(5);
    expect(h.log.length).toBe(typed);
    expect(autoplay.state).toBe('paused');
    autoplay.play();
    await h.step(20);
    expect(h.log.join('')).toBe('hostname⏎hostname✓a');
  });

  it('stops and says which step did not pass', async () => {
    const h = harness([{ id: 'a', title: 'Start the members', commands: [] }], 'a');
    const autoplay = new Autoplay(h.ports, { characterMillis: 1, afterCommandMillis: 1, checkTimeoutMillis: 3000 });
    autoplay.play();
    await h.step(3);
    expect(h.states.at(-1)).toBe('off: stopped: "Start the members" did not pass its check within 3 s');
  });
});

describe('room routes', () => {
  it('reads and writes the fragment forms', () => {
    const secret = 'S'.repeat(32);
    expect(parseRoomRoute('#rooms')).toEqual({ kind: 'create' });
    expect(parseRoomRoute('#join=ABCDEFGH')).toEqual({ kind: 'join', code: 'ABCDEFGH', resume: null });
    expect(parseRoomRoute(`#join=ABCDEFGH&resume=${secret}`)).toEqual({ kind: 'join', code: 'ABCDEFGH', resume: secret });
    expect(parseRoomRoute(`#instructor=ABCDEFGH&secret=${secret}`)).toEqual({ kind: 'instructor', code: 'ABCDEFGH', secret });
    expect(parseRoomRoute('#instructor=ABCDEFGH')).toBeNull();
    expect(parseRoomRoute(`#watch=ABCDEFGH&secret=${secret}&attendee=a-1f`)).toEqual({ kind: 'watch', code: 'ABCDEFGH', secret, attendeeId: 'a-1f' });
    expect(parseRoomRoute('#fixture')).toBeNull();
    expect(parseRoomRoute('')).toBeNull();
    for (const hash of ['#rooms', `#presenter=ABCDEFGH&secret=${secret}`, `#join=ABCDEFGH&resume=${secret}`]) {
      expect(roomHash(parseRoomRoute(hash)!)).toBe(hash);
    }
    expect(displayCode('abcdefgh')).toBe('ABCD-EFGH');
  });
});

describe('run step', () => {
  it('plays the current step only, then stops', async () => {
    const h = harness([
      { id: 'a', title: 'A', commands: ['ps'] },
      { id: 'b', title: 'B', commands: ['ls'] },
    ]);
    const autoplay = new Autoplay(h.ports, { characterMillis: 1, afterCommandMillis: 1, checkTimeoutMillis: 10 });
    autoplay.runStep();
    await h.step(10);
    expect(h.log.join('')).toBe('ps⏎ps✓a');
    expect(h.states.at(-1)).toBe('off: ran "A"');
    autoplay.play();
    await h.step(10);
    expect(h.log.join('')).toBe('ps⏎ps✓als⏎ls✓b');
  });
});
