import type { FastifyInstance } from 'fastify';
import type { Sandbox } from '../sandbox/sandbox';
import type { TerminalSession } from '../terminal/session';
import { describeMatcher, matches, parseTranscript, type TranscriptStep } from './parse';

export interface TranscriptOptions {
  /** Sandbox clock speed while the transcript runs (waits are in sandbox time). */
  speed?: number;
  /** Longest a single line may run, in real millis. */
  lineTimeoutMillis?: number;
  /** Receives the screen text as it is produced. */
  onOutput?: (text: string) => void;
}

export interface TranscriptResult {
  /** Everything the terminals showed, as a person would have seen it. */
  output: string;
  failures: string[];
}

/** Our own error for a transcript that cannot go on (a line that never finished). */
export class TranscriptError extends Error {
  override readonly name = 'TranscriptError';
}

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

/** Type a line into a terminal and wait for the next prompt; returns what it printed. */
export async function typeLine(tab: TerminalSession, line: string, timeoutMillis: number): Promise<string> {
  let output = '';
  let prompted: (() => void) | null = null;
  const done = new Promise<void>((resolve) => {
    prompted = resolve;
  });
  const unsubscribe = tab.subscribe((event) => {
    if (event.type === 'output') output += event.data;
    if (event.type === 'prompt') prompted?.();
  });
  const exited = new Promise<void>((resolve) => {
    const previous = tab.onExit;
    tab.onExit = () => {
      previous?.();
      resolve();
    };
  });
  try {
    const accepted = tab.submit(line);
    if (!accepted.accepted) throw new TranscriptError(`line refused: ${accepted.reason}`);
    const timer = sleep(timeoutMillis).then(() => 'timeout' as const);
    const result = await Promise.race([done.then(() => 'prompt' as const), exited.then(() => 'exit' as const), timer]);
    if (result === 'timeout') {
      tab.interrupt();
      throw new TranscriptError(`"${line}" did not finish within ${timeoutMillis} ms; output so far:\n${output}`);
    }
    return output;
  } finally {
    unsubscribe();
  }
}

/** Run a transcript in `sandbox`, checking its expectations as it goes. */
export async function runTranscript(sandbox: Sandbox, source: string, options: TranscriptOptions = {}): Promise<TranscriptResult> {
  const steps = parseTranscript(source);
  const speed = options.speed ?? 1;
  const lineTimeoutMillis = options.lineTimeoutMillis ?? 60_000;
  sandbox.lab.engine.clock.setSpeed(speed);
  const tabsByName = new Map<string, TerminalSession>();
  let current = [...sandbox.tabs.values()][0] ?? sandbox.openTab();
  let currentName = 'main';
  tabsByName.set(currentName, current);
  let screen = '';
  const failures: string[] = [];
  let lastOutput = '';
  let lastLine: TranscriptStep | null = null;
  const show = (text: string) => {
    screen += text;
    options.onOutput?.(text);
  };
  for (const step of steps) {
    switch (step.kind) {
      case 'tab': {
        let tab = tabsByName.get(step.name);
        if (!tab || !sandbox.tabs.has(tab.id)) {
          tab = tabsByName.size === 1 && currentName === 'main' && screen === '' ? current : sandbox.openTab();
          if (currentName === 'main' && tab === current) tabsByName.delete('main');
          tabsByName.set(step.name, tab);
        }
        current = tab;
        currentName = step.name;
        show(`\n--- ${step.name} ---\n`);
        break;
      }
      case 'line': {
        if (!sandbox.tabs.has(current.id)) throw new TranscriptError(`line ${step.lineNumber}: the terminal '${currentName}' has closed`);
        const prompt = current.snapshot().prompt;
        show(`${prompt}${step.text}\n`);
        lastOutput = await typeLine(current, step.text, lineTimeoutMillis);
        lastLine = step;
        show(lastOutput);
        break;
      }
      case 'wait':
        show(`# (${step.millis / 1000} s pass)\n`);
        await sleep(step.millis / speed);
        break;
      case 'control': {
        const [target, peer] = step.args;
        const ack = await sandbox.lab.control({
          action: step.action as never,
          ...(target !== undefined ? { target } : {}),
          ...(peer !== undefined && step.action !== 'speed' ? { peer } : {}),
          ...(step.action === 'speed' && target !== undefined ? { value: Number(target) } : {}),
        });
        show(`# control ${step.action}${step.args.length ? ` ${step.args.join(' ')}` : ''}: ${ack.message}\n`);
        if (!ack.ok) failures.push(`line ${step.lineNumber}: control ${step.action} refused: ${ack.message}`);
        break;
      }
      case 'expect': {
        const hit = matches(step.matcher, lastOutput);
        if (hit === step.negate) {
          failures.push(
            `line ${step.lineNumber}: expected the output of ${lastLine?.kind === 'line' ? JSON.stringify(lastLine.text) : 'the last line'} ${step.negate ? 'not ' : ''}to match ${describeMatcher(step.matcher)}; it was:\n${lastOutput}`,
          );
        }
        break;
      }
      case 'until': {
        if (lastLine?.kind !== 'line') throw new TranscriptError(`line ${step.lineNumber}: until needs a line before it`);
        const deadline = sandbox.lab.now() + step.withinMillis;
        while (!matches(step.matcher, lastOutput)) {
          if (sandbox.lab.now() > deadline) {
            failures.push(`line ${step.lineNumber}: ${JSON.stringify(lastLine.text)} never matched ${describeMatcher(step.matcher)}; last output:\n${lastOutput}`);
            break;
          }
          await sleep(Math.max(50, 1000 / speed));
          show(`${current.snapshot().prompt}${lastLine.text}\n`);
          lastOutput = await typeLine(current, lastLine.text, lineTimeoutMillis);
          show(lastOutput);
        }
        break;
      }
    }
  }
  return { output: screen, failures };
}

/** A fresh sandbox of `app` for one transcript run. */
export function transcriptSandbox(app: FastifyInstance, name: string): Sandbox {
  return app.sandboxes.obtain(`transcript-${name}-${Math.random().toString(36).slice(2)}`).sandbox;
}
