import type { FastifyInstance } from 'fastify';
import { fillPlaceholders, hasPlaceholders } from '@rslab/protocol';
import type { Sandbox } from '../workspace/sandbox';
import type { TerminalSession } from '../terminal/session';
import { TranscriptError, typeLine } from '../terminal/typeLine';
import { nodeRuntimeHost } from '../runtime/nodeHost';
import { describeMatcher, matches, parseTranscript, type TranscriptStep } from './parse';

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

export interface TranscriptOptions {
  /** Sandbox clock speed while the transcript runs (waits are in sandbox time). */
  speed?: number;
  /** Longest a single line may run, in real millis. */
  lineTimeoutMillis?: number;
  /** Receives the screen text as it is produced. */
  onOutput?: (text: string) => void;
  /** False: `# predict` lines are skipped (a rebuild replays steps whose predictions were made). */
  predictions?: boolean;
}

export interface TranscriptResult {
  /** Everything the terminals showed, as a person would have seen it. */
  output: string;
  failures: string[];
}

/**
 * Types transcripts into one sandbox, keeping its named shells between calls, so a lesson can be
 * solved step by step.
 */
export class TranscriptSession {
  private readonly tabsByName = new Map<string, TerminalSession>();
  private current: TerminalSession;
  private currentName = 'main';
  private screen = '';
  private lastOutput = '';
  private lastLine: Extract<TranscriptStep, { kind: 'line' }> | null = null;
  private readonly speed: number;
  private readonly lineTimeoutMillis: number;

  constructor(
    readonly sandbox: Sandbox,
    private readonly options: TranscriptOptions = {},
  ) {
    this.speed = options.speed ?? 1;
    this.lineTimeoutMillis = options.lineTimeoutMillis ?? 60_000;
    sandbox.lab.engine.clock.setSpeed(this.speed);
    // Python and mongosh run in this process here, as a page would run them (CI, the transcript CLI).
    sandbox.runtimes.useFallbackHost(nodeRuntimeHost);
    this.current = [...sandbox.tabs.values()][0] ?? sandbox.openTab();
    this.tabsByName.set(this.currentName, this.current);
  }

  /** Everything shown so far, as a person would have seen it. */
  get output(): string {
    return this.screen;
  }

  private show(text: string): void {
    this.screen += text;
    this.options.onOutput?.(text);
  }

  /** Run `source`; returns the failed expectations (empty when all held). */
  async run(source: string): Promise<string[]> {
    const failures: string[] = [];
    for (const step of parseTranscript(source)) await this.step(step, failures);
    return failures;
  }

  private async step(step: TranscriptStep, failures: string[]): Promise<void> {
    const { sandbox } = this;
    switch (step.kind) {
      case 'tab': {
        let tab = this.tabsByName.get(step.name);
        if (!tab || !sandbox.tabs.has(tab.id)) {
          // The first named shell takes over the terminal the sandbox opened with.
          const unnamed = this.tabsByName.get('main');
          if (unnamed && sandbox.tabs.has(unnamed.id)) {
            tab = unnamed;
            this.tabsByName.delete('main');
          } else {
            tab = sandbox.openTab();
          }
          this.tabsByName.set(step.name, tab);
        }
        this.current = tab;
        this.currentName = step.name;
        this.show(`\n--- ${step.name} ---\n`);
        return;
      }
      case 'line': {
        if (!sandbox.tabs.has(this.current.id)) throw new TranscriptError(`line ${step.lineNumber}: the terminal '${this.currentName}' has closed`);
        let text = step.text;
        if (hasPlaceholders(text)) {
          const filled = fillPlaceholders(text, await sandbox.lab.snapshot());
          if (!filled.ok) {
            failures.push(`line ${step.lineNumber}: ${JSON.stringify(step.text)} names ${filled.missing}, and there is none right now`);
            return;
          }
          text = filled.text;
        }
        this.show(`${this.current.snapshot().prompt}${text}\n`);
        this.lastOutput = await typeLine(this.current, text, this.lineTimeoutMillis);
        this.lastLine = step;
        this.show(this.lastOutput);
        return;
      }
      case 'wait':
        this.show(`# (${step.millis / 1000} s pass)\n`);
        await sleep(step.millis / this.speed);
        return;
      case 'control': {
        const args: string[] = [];
        for (const arg of step.args) {
          const filled = hasPlaceholders(arg) ? fillPlaceholders(arg, await sandbox.lab.snapshot()) : { ok: true as const, text: arg };
          if (!filled.ok) {
            failures.push(`line ${step.lineNumber}: control ${step.action} names ${filled.missing}, and there is none right now`);
            return;
          }
          args.push(filled.text);
        }
        const [target, peer] = args;
        const ack = await sandbox.lab.control({
          action: step.action as never,
          ...(target !== undefined && step.action !== 'speed' ? { target } : {}),
          ...(peer !== undefined ? { peer } : {}),
          ...(step.action === 'speed' && target !== undefined ? { value: Number(target) } : {}),
        });
        this.show(`# control ${step.action}${args.length ? ` ${args.join(' ')}` : ''}: ${ack.message}\n`);
        if (!ack.ok) failures.push(`line ${step.lineNumber}: control ${step.action} refused: ${ack.message}`);
        return;
      }
      case 'predict': {
        if (this.options.predictions === false) return;
        const current = sandbox.lesson.tracker.current;
        const answer = current ? sandbox.lesson.predict(current.id, step.choice) : { ok: false, message: 'the lesson is finished' };
        this.show(`# predict ${step.choice}: ${answer.message}\n`);
        if (!answer.ok) failures.push(`line ${step.lineNumber}: predict ${step.choice} refused: ${answer.message}`);
        return;
      }
      case 'expect': {
        const hit = matches(step.matcher, this.lastOutput);
        if (hit === step.negate) {
          failures.push(
            `line ${step.lineNumber}: expected the output of ${this.lastLine ? JSON.stringify(this.lastLine.text) : 'the last line'} ${step.negate ? 'not ' : ''}to match ${describeMatcher(step.matcher)}; it was:\n${this.lastOutput}`,
          );
        }
        return;
      }
      case 'until': {
        const last = this.lastLine;
        if (!last) throw new TranscriptError(`line ${step.lineNumber}: until needs a line before it`);
        const deadline = sandbox.lab.now() + step.withinMillis;
        while (!matches(step.matcher, this.lastOutput)) {
          if (sandbox.lab.now() > deadline) {
            failures.push(`line ${step.lineNumber}: ${JSON.stringify(last.text)} never matched ${describeMatcher(step.matcher)}; last output:\n${this.lastOutput}`);
            return;
          }
          await sleep(Math.max(50, 1000 / this.speed));
          this.show(`${this.current.snapshot().prompt}${last.text}\n`);
          this.lastOutput = await typeLine(this.current, last.text, this.lineTimeoutMillis);
          this.show(this.lastOutput);
        }
        return;
      }
    }
  }
}

/** Run a transcript in `sandbox`, checking its expectations as it goes. */
export async function runTranscript(sandbox: Sandbox, source: string, options: TranscriptOptions = {}): Promise<TranscriptResult> {
  const session = new TranscriptSession(sandbox, options);
  const failures = await session.run(source);
  return { output: session.output, failures };
}

/** A fresh sandbox of `app` for one transcript run. */
export function transcriptSandbox(app: FastifyInstance, name: string): Sandbox {
  return app.sandboxes.obtain(`transcript-${name}-${Math.random().toString(36).slice(2)}`).sandbox;
}
