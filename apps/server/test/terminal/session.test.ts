import { describe, expect, it } from 'vitest';
import { clearScreenSequence, scrollbackText } from '@rslab/protocol';
import { TerminalSession, type Interpreter, type ShellIO, type TerminalEvent } from '../../src/terminal/session';

/** A shell whose `sleep` waits until Ctrl-C, and whose `nest` starts a child shell. */
class ScriptShell implements Interpreter {
  pendingStatement = false;
  constructor(readonly title = 'bash', private readonly promptText = '$ ') {}
  prompt(): string {
    return this.pendingStatement ? '... ' : this.promptText;
  }
  interrupt(): string {
    this.pendingStatement = false;
    return '\nKeyboardInterrupt\n';
  }
  endOfInput(): { text: string; exit: boolean } {
    return { text: 'bye\n', exit: this.title === 'python' };
  }
  async execute(line: string, io: ShellIO) {
    if (line === 'sleep') {
      await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve()));
      io.write('^C interrupted\n');
      return;
    }
    if (line === 'nest') return { push: new ScriptShell('python', '>>> ') };
    if (line === 'exit') return { exit: true };
    if (line === 'boom') throw new TypeError('kaput');
    if (line === 'if x:') {
      this.pendingStatement = true;
      return;
    }
    io.write(`ran ${line}\n`);
    return;
  }
}

/** A shell whose `clear` clears the screen and whose `echo` prints its argument. */
class ClearingShell implements Interpreter {
  readonly title = 'bash';
  prompt(): string {
    return '$ ';
  }
  async execute(line: string, io: ShellIO) {
    if (line === 'clear') io.clear();
    else io.write(`${line.replace(/^echo /, '')}\n`);
    return Promise.resolve();
  }
}

const limits = { scrollbackBytesMax: 200, historyLinesMax: 3, pendingLinesMax: 4 };

function collect(session: TerminalSession): TerminalEvent[] {
  const events: TerminalEvent[] = [];
  session.subscribe((event) => events.push(event));
  return events;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

describe('TerminalSession', () => {
  it('runs lines in order and prompts after each', async () => {
    const session = new TerminalSession('t1', new ScriptShell(), limits, () => 0);
    const events = collect(session);
    session.submit('a');
    session.submit('b');
    await settle();
    expect(events).toEqual([
      { type: 'output', data: 'ran a\n' },
      { type: 'prompt', prompt: '$ ' },
      { type: 'output', data: 'ran b\n' },
      { type: 'prompt', prompt: '$ ' },
    ]);
    expect(scrollbackText(session.snapshot())).toBe('$ a\nran a\n$ b\nran b\n');
  });

  it('interrupts a running line and drops typed-ahead lines', async () => {
    const session = new TerminalSession('t1', new ScriptShell(), limits, () => 0);
    const events = collect(session);
    session.submit('sleep');
    session.submit('a');
    await settle();
    expect(session.busy).toBe(true);
    session.interrupt();
    await settle();
    expect(session.busy).toBe(false);
    expect(events.map((e) => (e.type === 'output' ? e.data : e.type))).toEqual(['^C interrupted\n', 'prompt']);
  });

  it('nests and leaves interpreters, and reports an interpreter crash without dying', async () => {
    const session = new TerminalSession('t1', new ScriptShell(), limits, () => 0);
    let exited = false;
    session.onExit = () => {
      exited = true;
    };
    const events = collect(session);
    session.submit('nest');
    await settle();
    expect(session.title).toBe('python');
    expect(events.at(-1)).toEqual({ type: 'prompt', prompt: '>>> ' });
    session.submit('boom');
    await settle();
    expect(events.at(-2)).toEqual({ type: 'output', data: 'internal error: TypeError: kaput\n' });
    session.submit('exit');
    await settle();
    expect(session.title).toBe('bash');
    expect(exited).toBe(false);
    session.submit('exit');
    await settle();
    expect(exited).toBe(true);
  });

  it('bounds scrollback at a line boundary, history by count, and waiting lines', async () => {
    const session = new TerminalSession('t1', new ScriptShell(), limits, () => 0);
    // The first line starts at once; four more may wait behind it.
    for (let i = 0; i < 5; i += 1) expect(session.submit(`line-${i}-${'x'.repeat(40)}`).accepted).toBe(true);
    expect(session.submit('one too many').accepted).toBe(false);
    await settle();
    for (let i = 5; i < 8; i += 1) session.submit(`line-${i}-${'x'.repeat(40)}`);
    await settle();
    const { history } = session.snapshot();
    const scrollback = scrollbackText(session.snapshot());
    expect(scrollback.length).toBeLessThanOrEqual(200);
    expect(scrollback.startsWith('$ line-') || scrollback.startsWith('ran line-')).toBe(true);
    expect(history).toEqual([5, 6, 7].map((i) => `line-${i}-${'x'.repeat(40)}`));
  });

  it('answers Ctrl-C at a prompt through the interpreter, dropping a half-entered statement', async () => {
    const session = new TerminalSession('t1', new ScriptShell(), limits, () => 0);
    const events = collect(session);
    session.submit('if x:');
    await settle();
    expect(events.at(-1)).toEqual({ type: 'prompt', prompt: '... ' });
    session.interrupt();
    expect(events.slice(-2)).toEqual([
      { type: 'output', data: '\nKeyboardInterrupt\n' },
      { type: 'prompt', prompt: '$ ' },
    ]);
    expect(scrollbackText(session.snapshot())).toBe('$ if x:\n... \nKeyboardInterrupt\n');
  });

  it('leaves a nested interpreter on Ctrl-D and ignores Ctrl-D while a line runs', async () => {
    const session = new TerminalSession('t1', new ScriptShell(), limits, () => 0);
    const events = collect(session);
    session.submit('nest');
    await settle();
    expect(session.title).toBe('python');
    session.endOfInput();
    expect(session.title).toBe('bash');
    expect(events.slice(-2)).toEqual([{ type: 'output', data: 'bye\n' }, { type: 'prompt', prompt: '$ ' }]);
    session.submit('sleep');
    await settle();
    const before = events.length;
    session.endOfInput();
    expect(events.length).toBe(before);
    session.interrupt();
  });
  it('stamps each write with the sandbox clock, the prompt at the time it was shown (issue 19)', async () => {
    let now = 1000;
    const session = new TerminalSession('t1', new ScriptShell(), limits, () => now);
    now = 1500; // the line is sent half a second after the first prompt showed
    session.submit('a');
    await settle();
    now = 4000;
    session.notice('member down\n');
    now = 5000;
    session.interrupt();
    expect(session.snapshot().scrollback).toEqual([
      { at: 1000, data: '$ ' },
      // the line, its output and the next prompt all at 1500
      { at: 1500, data: 'a\nran a\n' },
      // that prompt joins the text after the notice, so it is held at the notice's time (times never go back)
      { at: 4000, data: 'member down\n$ ' },
      { at: 5000, data: '\nKeyboardInterrupt\n' },
    ]);
  });

  it('keeps what came before a clear, the clear recorded as its escape sequence at its time (a reloaded page can show the past before it)', async () => {
    let now = 1000;
    const session = new TerminalSession('t1', new ClearingShell(), limits, () => now);
    session.submit('echo hi');
    await settle();
    now = 2000;
    session.submit('clear');
    await settle();
    now = 3000;
    session.submit('echo after');
    await settle();
    expect(session.snapshot().scrollback).toEqual([
      // each prompt at the time it was shown: the one after `hi` at 1000, the one after the clear at 2000
      { at: 1000, data: '$ echo hi\nhi\n$ ' },
      { at: 2000, data: `clear\n${clearScreenSequence}$ ` },
      { at: 3000, data: 'echo after\nafter\n' },
    ]);
  });
});
