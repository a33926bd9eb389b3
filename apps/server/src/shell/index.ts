/**
 * The servers shell as a pure module: bash (`BashShell` over a `BashHost`). A REPL has `prompt()`,
 * `execute(line, io)`, `complete(line, cursor)`, `interrupt()` (Ctrl-C at the prompt) and
 * `endOfInput()` (Ctrl-D). Python and mongosh are the real runtimes (runtime/, @rslab/runtime).
 */
export type { EndOfInput, Repl, ReplIO, ReplOutcome, SourceLimits } from './io';
export { InterruptedError, abortable, defaultSourceLimits } from './io';
export type { Completion } from './complete';
export { completeBash } from './complete';

export type { BashHost, BashOutcome, MongodStarted, ProcessInfo } from './bash/shell';
export { BashCommandError, BashShell, bashHelpText, signalNumbers } from './bash/shell';
export type { MongodOptions, MongodParse } from '../mongod/flags';
export { mongodVersion, parseMongodArgs } from '../mongod/flags';
