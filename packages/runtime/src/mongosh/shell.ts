import { EventEmitter } from 'events';
import { ShellInstanceState, toShellResult, type ShellResult } from '@mongosh/shell-api';
import { ShellEvaluator } from '@mongosh/shell-evaluator';
import { CliUserConfig } from '@mongosh/types';
import { MongoshInternalError } from '@mongosh/errors';
import { formatError, formatOutput, fullDepthInspectOptions, type FormatOptions } from '@mongosh/cli-repl/lib/format-output';
import { MONGOSH_WIKI } from '@mongosh/cli-repl/lib/constants';
import isRecoverableError from 'is-recoverable-error';
import { format } from 'node-inspect-extracted';
import { completeMongosh, type Completion } from './complete';
import { parseMongoshCommandLine, mongoshVersion, type MongoshCommandLine } from './commandLine';
import type { DriverCalls } from './rpc/driverCalls';
import { RpcServiceProvider } from './rpc/serviceProvider';

/** Where mongosh's service providers come from: one per connection (`new Mongo()` makes more). */
export interface ServiceProviders {
  connect(uri: string, options: Record<string, unknown>, signal?: AbortSignal): Promise<object>;
  /** For `--nodb`. */
  disconnected(): object;
}

/** Providers over the lab's driver RPC (runtime-host.md). */
export function rpcProviders(calls: DriverCalls): ServiceProviders {
  return {
    connect: (uri, options, signal) => RpcServiceProvider.connect(calls, uri, options, signal),
    disconnected: () => RpcServiceProvider.disconnected(calls),
  };
}

/** Where learner code runs: a worker's own global scope in the browser, a vm context in Node. */
export interface MongoshEnvironment {
  /** The global object learner code sees; mongosh puts `db`, `rs`, `print`... on it. */
  readonly context: Record<string, unknown>;
  /** Runs code (already rewritten by mongosh's async rewriter) in that global scope. */
  run(code: string): unknown;
}

export interface MongoshShellOptions {
  providers: ServiceProviders;
  environment: MongoshEnvironment;
  /** Terminal output, `\n` line ends. */
  write(text: string): void;
  /** `Current Mongosh Log ID:` (24 hex digits, as mongosh's log writer makes them). */
  logId(): string;
  colors?: boolean;
}

export interface MongoshOutcome {
  /** The input is incomplete: show `... ` and send the next line. */
  continuation?: boolean;
  /** `exit`/`quit()`: leave mongosh with this code. */
  exit?: { code: number };
}

/** The error mongosh's exit helpers unwind with; learner `try`/`catch` cannot swallow it. */
class ExitRequest extends Error {
  constructor(readonly code: number) {
    super('exit');
    this.name = 'ExitRequest';
    // mongosh's async rewriter rethrows what carries this mark from every catch block.
    Object.defineProperty(this, Symbol.for('@@mongosh.uncatchable'), { value: true });
  }
}

/** Lines a pending multi-line input may collect before it is refused. */
export const continuationLinesMax = 200;

/**
 * How Node's REPL, which mongosh's CLI runs on, writes an error that reached the prompt: it puts
 * `Uncaught ` before the first line that looks like an error name, or `Uncaught` (with a space
 * for one line, a colon and a newline for several) before the whole text. mongosh's error text
 * starts with a carriage return, so in a terminal the second form leaves only `Uncaught:` above
 * multi-line errors (SyntaxError's code frame) and nothing visible before one-line errors.
 * One trailing newline is Node's own; the text ends with exactly one more.
 */
export function asUncaught(text: string, breakLength = 80): string {
  const lines = text.split(/(?<=\n)/);
  let matched = false;
  let out = '';
  for (const line of lines) {
    if (!matched && /^\[?([A-Z][a-z0-9_]*)*Error/.test(line)) {
      out += breakLength >= line.length ? `Uncaught ${line}` : `Uncaught:\n${line}`;
      matched = true;
    } else {
      out += line;
    }
  }
  if (!matched) out = `Uncaught${lines.length === 1 ? ' ' : ':\n'}${out}`;
  return out.endsWith('\n') ? out : `${out}\n`;
}

/** Node REPL commands mongosh keeps (`.exit`; `.break` and `.clear` drop a half-typed block). */
const replCommands = new Set(['.exit', '.break', '.clear']);

/**
 * mongosh itself — its shell API, evaluator (async rewriter), help and formatting — running where
 * it is created (a Web Worker in the learner's browser, or Node for CI). Only driver calls leave
 * it, through the driver RPC, to the server. What this class adds is the part of mongosh's CLI REPL
 * that is not I/O: start-up lines, multi-line input, printing results and errors, Ctrl-C.
 */
export class MongoshShell {
  private readonly config = new CliUserConfig() as unknown as Record<string, unknown>;
  private pending: string[] = [];
  private promptText = '> ';
  private running = false;

  private constructor(
    private readonly options: MongoshShellOptions,
    private readonly commandLine: MongoshCommandLine,
    readonly instanceState: ShellInstanceState,
    private readonly evaluator: ShellEvaluator,
  ) {}

  /**
   * `mongosh ARGS`, as mongosh's CLI runs it: parse the arguments with mongosh's parser, print the
   * start-up lines, connect, greet, run `--eval` scripts. Returns null (and the exit code) when
   * mongosh would exit instead of prompting.
   */
  static async start(argv: string[], options: MongoshShellOptions, signal?: AbortSignal): Promise<{ shell: MongoshShell | null; exitCode: number }> {
    const { write } = options;
    let commandLine: MongoshCommandLine;
    try {
      commandLine = parseMongoshCommandLine(argv);
    } catch (error) {
      write(`${(error as Error).name}: ${(error as Error).message}\n`);
      return { shell: null, exitCode: 1 };
    }
    for (const warning of commandLine.warnings) write(`${warning}\n`);
    if (commandLine.print !== null) {
      write(`${commandLine.print}\n`);
      return { shell: null, exitCode: 0 };
    }
    const { quiet, nodb } = commandLine;
    if (!quiet) write(`Current Mongosh Log ID:\t${options.logId()}\n`);
    if (!nodb && !quiet) write(`Connecting to:\t\t${commandLine.displayUri}\n`);
    let provider: object;
    try {
      provider = nodb ? options.providers.disconnected() : await options.providers.connect(commandLine.uri, commandLine.driverOptions, signal);
    } catch (error) {
      write(`${(error as Error).name}: ${(error as Error).message}\n`);
      return { shell: null, exitCode: 1 };
    }
    const instanceState = new ShellInstanceState(provider as never, new EventEmitter() as never, commandLine.shellCliOptions as never);
    const shell = new MongoshShell(options, commandLine, instanceState, new ShellEvaluator(instanceState, toShellResult));
    return shell.initialize();
  }

  private async initialize(): Promise<{ shell: MongoshShell | null; exitCode: number }> {
    const { instanceState, commandLine } = this;
    const { write, environment } = this.options;
    instanceState.setEvaluationListener(this.listener() as never);
    instanceState.setPreFetchCollectionAndDatabaseNames(true);
    if (!commandLine.quiet) {
      const info = commandLine.nodb ? null : await instanceState.fetchConnectionInfo().catch(() => undefined);
      let text = '';
      if (!commandLine.nodb) text += `Using MongoDB:\t\t${info?.buildInfo?.version}\n`;
      text += `Using Mongosh:\t\t${mongoshVersion}\n`;
      text += `${MONGOSH_WIKI}\n`;
      write(text);
      if (!commandLine.nodb) {
        try {
          await instanceState.currentDb.adminCommand({ ping: 1 });
        } catch (error) {
          write(`The server failed to respond to a ping and may be unavailable:\n${this.formatError(error)}\n`);
        }
      }
    }
    environment.context.console = this.console();
    instanceState.setCtx(environment.context);
    if (!commandLine.nodb && !commandLine.quiet) {
      const { shellApi } = instanceState;
      for (const command of ['startupWarnings', 'automationNotices', 'nonGenuineMongoDBCheck']) {
        const banner = await (shellApi as unknown as { _untrackedShow(c: string): Promise<{ value?: unknown }> })._untrackedShow(command);
        if (banner.value) await shellApi.print(banner);
      }
    }
    await this.refreshPrompt();
    if (commandLine.evalScripts.length === 0) return { shell: this, exitCode: 0 };
    const exitCode = await this.runEvalScripts();
    if (!commandLine.shell || exitCode !== 0) {
      await this.dispose();
      return { shell: null, exitCode };
    }
    return { shell: this, exitCode };
  }

  /** `--eval` scripts: the last one's value is printed, an error ends mongosh with code 1. */
  private async runEvalScripts(): Promise<number> {
    let last: ShellResult | undefined;
    try {
      for (const script of this.commandLine.evalScripts) last = await this.evaluate(script);
    } catch (error) {
      if (error instanceof ExitRequest) return error.code;
      // mongosh's command line reports what ends it by name and message only.
      const failure = error as { name?: string; message?: string };
      this.options.write(`${failure.name}: ${failure.message}\n`);
      return 1;
    }
    if (last && last.rawValue !== undefined) {
      const depth = this.commandLine.shellCliOptions.deepInspect !== false ? fullDepthInspectOptions : {};
      this.options.write(`${this.format(last, depth)}\n`);
    }
    return 0;
  }

  private formatOptions(): FormatOptions {
    return {
      colors: this.options.colors ?? false,
      compact: this.config.inspectCompact as number,
      depth: this.config.inspectDepth as number,
      showStackTraces: this.config.showStackTraces as boolean,
    };
  }

  private format(result: Pick<ShellResult, 'type' | 'printable'>, extra: Partial<FormatOptions> = {}): string {
    return formatOutput({ type: result.type, value: result.printable }, { ...this.formatOptions(), ...extra });
  }

  private formatError(error: unknown): string {
    if (error && typeof error === 'object' && 'message' in error) {
      const e = error as Error & { errmsg?: string };
      return formatError({ ...e, message: e.message || e.errmsg || '', name: e.name || 'MongoshInternalError', stack: e.stack } as Error, this.formatOptions());
    }
    return this.format({ type: null, printable: error });
  }

  /** What mongosh's REPL hears from its shell API: print(), exit, config, cls. */
  private listener() {
    return {
      onPrint: (values: ShellResult[], type: 'print' | 'printjson') => {
        const extra: Partial<FormatOptions> =
          type === 'printjson'
            ? { allowControlCharacters: true, compact: false, depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity }
            : { allowControlCharacters: true };
        this.options.write(`${values.map((value) => this.format(value, extra)).join(' ')}\n`);
      },
      onExit: async (code?: number): Promise<never> => {
        throw new ExitRequest(code ?? 0);
      },
      onClearCommand: () => this.options.write('\x1b[H\x1b[2J\x1b[3J'),
      onPrompt: async (question: string): Promise<string> => {
        this.options.write(`${question}\n`);
        return '';
      },
      getConfig: async (key: string) => this.config[key],
      setConfig: async (key: string, value: unknown) => {
        if (key === 'forceDisableTelemetry') throw new MongoshInternalError("The 'forceDisableTelemetry' setting cannot be modified");
        if (!(key in this.config)) return 'ignored';
        this.config[key] = value;
        return 'success';
      },
      resetConfig: async (key: string) => {
        const defaults = new CliUserConfig() as unknown as Record<string, unknown>;
        if (!(key in defaults)) return 'ignored';
        this.config[key] = defaults[key];
        return 'success';
      },
      validateConfig: async () => null,
      listConfigOptions: () => Object.keys(this.config),
    };
  }

  /** `console.log` and friends print to this terminal, formatted as Node's console formats. */
  private console(): Record<string, (...args: unknown[]) => void> {
    const print = (...args: unknown[]) => this.options.write(`${format(...args)}\n`);
    return { log: print, info: print, warn: print, error: print, debug: print, trace: print, dir: print, table: print };
  }

  private async evaluate(code: string): Promise<ShellResult> {
    const { environment } = this.options;
    return (await this.evaluator.customEval(async (rewritten: string) => environment.run(rewritten), code, environment.context, 'REPL')) as ShellResult;
  }

  private async refreshPrompt(): Promise<void> {
    try {
      // In interactive mode mongosh wraps the provider for deep inspection; ask the one underneath.
      const current = this.instanceState.currentServiceProvider as unknown as Record<symbol, unknown>;
      const provider = (current[Symbol.for('@@mongosh.originalServiceProvider')] ?? current) as { refreshTopology?: () => Promise<void> };
      await provider.refreshTopology?.();
      this.promptText = await this.instanceState.getDefaultPrompt();
    } catch {
      this.promptText = '> ';
    }
  }

  get busy(): boolean {
    return this.running;
  }

  prompt(): string {
    return this.pending.length > 0 ? '... ' : this.promptText;
  }

  /** One line as typed at the prompt; incomplete input waits for more, as Node's REPL does. */
  async execute(line: string): Promise<MongoshOutcome> {
    const { write } = this.options;
    const command = line.trim();
    if (replCommands.has(command)) {
      this.pending = [];
      return command === '.exit' ? { exit: { code: 0 } } : {};
    }
    this.pending.push(line);
    // Node's REPL hands each input to mongosh with its newline (Babel's code frames show it).
    const input = `${this.pending.join('\n')}\n`;
    if (input.trim() === '') {
      this.pending = [];
      return {};
    }
    this.running = true;
    try {
      const result = await this.evaluate(input);
      this.pending = [];
      write(`${this.format(result)}\n`);
    } catch (error) {
      if (error instanceof ExitRequest) {
        this.pending = [];
        return { exit: { code: error.code } };
      }
      if (this.instanceState.interrupted.isSet() || (error as Error | undefined)?.name === 'MongoshInterruptedError') {
        // Ctrl-C: mongosh says so and drops what the evaluation would have printed.
        this.pending = [];
        write('Stopping execution...\n');
      } else if (isRecoverableError(input) && this.pending.length < continuationLinesMax) {
        return { continuation: true };
      } else {
        this.pending = [];
        write(asUncaught(this.formatError(error)));
      }
    } finally {
      this.running = false;
    }
    await this.refreshPrompt();
    return {};
  }

  /** Ctrl-C while a line runs: stop waiting for the server, as mongosh's SIGINT handler does. */
  async interruptRunning(): Promise<void> {
    await this.instanceState.onInterruptExecution();
    await this.instanceState.onResumeExecution();
  }

  /** Ctrl-C at the prompt: drop a half-typed statement. */
  interrupt(): string {
    const hadInput = this.pending.length > 0;
    this.pending = [];
    return hadInput ? '\n' : '\n(To exit, press Ctrl+C again or Ctrl+D or type .exit)\n';
  }

  async complete(line: string, cursor: number): Promise<Completion> {
    return completeMongosh(this.instanceState, this.options.environment.context, line, cursor);
  }

  async dispose(): Promise<void> {
    await this.instanceState.close().catch(() => undefined);
  }
}
