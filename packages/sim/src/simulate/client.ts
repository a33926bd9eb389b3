/**
 * A simulated client: sends commands to members through the cluster's transport (the fault model,
 * BSON round trip and the members' own command dispatch, as the wire serves them), finds the
 * primary the way a driver does (a `hello` and its `primary` field), and records what it does in
 * the history. Nothing here drives virtual time: the runner does.
 */
import type { Document } from 'bson';
import { ErrorCodes } from '../base/errors';
import type { Cluster } from '../harness/cluster';
import { NetworkError } from '../net/network';
import type { Random } from '../random/random';
import type { HistoryRecorder } from './history';

/** How an operation ended, as the checkers see it. */
export interface Outcome {
  type: 'ok' | 'fail' | 'info';
  value: unknown;
  error?: string;
}

/**
 * Server errors after which the operation certainly did nothing: the member refused it before
 * running it (not primary, shutting down before dispatch).
 */
const DEFINITE_FAILURE_CODES: ReadonlySet<number> = new Set([ErrorCodes.NotWritablePrimary, ErrorCodes.NotPrimaryNoSecondaryOk, ErrorCodes.NotPrimaryOrSecondary, ErrorCodes.InterruptedAtShutdown]);

export function isDefiniteFailure(reply: Document): boolean {
  return DEFINITE_FAILURE_CODES.has(Number(reply.code));
}

export function replyError(reply: Document): string {
  return `${String(reply.codeName ?? reply.code)}${reply.errmsg ? `: ${String(reply.errmsg)}` : ''}`;
}

/**
 * A network failure: refused means the command never reached a member (certainly not run);
 * anything else (reset, timeout) leaves it unknown.
 */
export function networkOutcome(error: unknown): Outcome {
  if (error instanceof NetworkError) return { type: error.code === 'ECONNREFUSED' ? 'fail' : 'info', value: null, error: `${error.code}: ${error.message}` };
  throw error;
}

/** A write's reply: ok, with a write concern error unknown, refused before running failed. */
export function writeOutcome(reply: Document, value: unknown = null): Outcome {
  if (reply.ok !== 1) return { type: isDefiniteFailure(reply) ? 'fail' : 'info', value: null, error: replyError(reply) };
  if (Array.isArray(reply.writeErrors) && reply.writeErrors.length > 0) {
    const first = reply.writeErrors[0] as Document;
    return { type: 'fail', value: null, error: `write error ${String(first.code)}: ${String(first.errmsg)}` };
  }
  if (reply.writeConcernError) {
    const wce = reply.writeConcernError as Document;
    return { type: 'info', value: null, error: `writeConcernError ${replyError(wce)}` };
  }
  return { type: 'ok', value };
}

export interface ClientOptions {
  cluster: Cluster;
  history: HistoryRecorder;
  random: Random;
  /** The client's network endpoint (a bare host name: partitions may include it). */
  endpoint: string;
  /** First process number; later ones add `processStride`. */
  process: number;
  processStride: number;
  requestTimeoutMillis: number;
}

export class SimClient {
  readonly endpoint: string;
  private readonly cluster: Cluster;
  readonly history: HistoryRecorder;
  readonly random: Random;
  private processValue: number;
  private readonly processStride: number;
  private readonly requestTimeoutMillis: number;
  private believedPrimary: string | undefined;

  constructor(options: ClientOptions) {
    this.cluster = options.cluster;
    this.history = options.history;
    this.random = options.random;
    this.endpoint = options.endpoint;
    this.processValue = options.process;
    this.processStride = options.processStride;
    this.requestTimeoutMillis = options.requestTimeoutMillis;
  }

  get process(): number {
    return this.processValue;
  }

  get hosts(): readonly string[] {
    return this.cluster.hosts;
  }

  /** Send one command; rejects with a NetworkError as a driver's connection would. */
  send(host: string, db: string, cmd: Document, timeoutMillis = this.requestTimeoutMillis): Promise<Document> {
    return this.cluster.send(host, cmd, { db, from: this.endpoint, timeoutMillis });
  }

  /** The member this client takes for the primary, asking one with `hello` when it has none. */
  async primary(): Promise<string | undefined> {
    if (this.believedPrimary) return this.believedPrimary;
    const asked = this.random.pick(this.cluster.hosts);
    try {
      const reply = await this.send(asked, 'admin', { hello: 1 }, 2000);
      if (reply.isWritablePrimary === true) this.believedPrimary = asked;
      else if (typeof reply.primary === 'string' && this.cluster.hosts.includes(reply.primary)) this.believedPrimary = reply.primary;
    } catch (error) {
      // A member that cannot answer tells us nothing; the next operation asks another.
      if (!(error instanceof NetworkError)) throw error;
    }
    return this.believedPrimary;
  }

  /** Forget the primary after an error that says it may have changed. */
  forgetPrimary(): void {
    this.believedPrimary = undefined;
  }

  /** Record an operation: invoke, run, complete. An `info` ending moves the client to a new process. */
  async operate(f: string, value: unknown, run: () => Promise<{ outcome: Outcome; node?: string; note?: string }>, note?: string): Promise<Outcome> {
    this.history.invoke(this.processValue, f, value, note === undefined ? {} : { note });
    const { outcome, node, note: doneNote } = await run();
    if (outcome.type !== 'ok' && outcome.error !== undefined && /NotWritablePrimary|NotPrimary|ECONN|ETIMEDOUT|PrimarySteppedDown|InterruptedDueToReplStateChange|InterruptedAtShutdown/.test(outcome.error)) this.forgetPrimary();
    this.history.complete(this.processValue, outcome.type, outcome.value, {
      ...(node === undefined ? {} : { node }),
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
      ...(doneNote === undefined ? {} : { note: doneNote }),
    });
    if (outcome.type === 'info') this.processValue += this.processStride;
    return outcome;
  }
}
