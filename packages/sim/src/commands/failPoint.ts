import type { Document } from 'bson';
import { codeNameFor, serverError } from '../base/errors';
import { sleepOn } from '../clock/clock';
import type { Clock } from '../clock/clock';
import type { Random } from '../random/random';
import { isPlainObject } from '../storage/values';

/**
 * Fail points, as mongod's test-only `configureFailPoint` sets them (src/mongo/util/fail_point.h,
 * src/mongo/db/commands/fail_point_cmd.cpp), and the `failCommand` fail point the drivers' spec
 * tests are built on (src/mongo/db/commands.cpp: shouldActivateFailCommandFailPoint,
 * evaluateFailCommandFailPoint; service_entry_point_common.cpp for the writeConcernError form).
 *
 * One registry per member. The mode decides whether a fail point fires when its predicate holds;
 * the predicate (the command's name, the client's appName...) is checked first, and only a
 * predicate that holds uses up a `{times}` or `{skip}` count, as mongod's `scopedIf` does.
 * `activationProbability` draws from the member's Random and `blockTimeMS` waits on its Clock, so
 * a seeded run replays.
 */

/** The fail points this simulator has; any other name is refused as mongod refuses an unknown one. */
export const FAIL_POINT_NAMES: ReadonlySet<string> = new Set(['failCommand', 'onPrimaryTransactionalWrite', 'stopReplProducer', 'failGetMoreAfterCursorCheckout']);

export type FailPointMode =
  | { readonly kind: 'off' }
  | { readonly kind: 'alwaysOn' }
  | { readonly kind: 'times'; readonly times: number }
  | { readonly kind: 'skip'; readonly skip: number }
  | { readonly kind: 'activationProbability'; readonly probability: number };

/** mongod's FailPoint::parseBSON: `mode` is "off", "alwaysOn" or one of {times}, {skip}, {activationProbability}. */
export function parseFailPointMode(mode: unknown): FailPointMode {
  if (mode === 'off') return { kind: 'off' };
  if (mode === 'alwaysOn') return { kind: 'alwaysOn' };
  if (typeof mode === 'string') throw serverError('BadValue', `unknown mode: ${mode}`);
  if (!isPlainObject(mode)) throw serverError('TypeMismatch', "'mode' must be a string or JSON object");
  if (mode.times !== undefined) {
    const times = Number(mode.times);
    if (!Number.isInteger(times)) throw serverError('TypeMismatch', "'times' option to 'mode' must be a number");
    if (times < 0) throw serverError('BadValue', "'times' option to 'mode' must be positive");
    return { kind: 'times', times };
  }
  if (mode.skip !== undefined) {
    const skip = Number(mode.skip);
    if (!Number.isInteger(skip)) throw serverError('TypeMismatch', "'skip' option to 'mode' must be a number");
    if (skip < 0) throw serverError('BadValue', "'skip' option to 'mode' must be positive");
    return { kind: 'skip', skip };
  }
  if (mode.activationProbability !== undefined) {
    const probability = Number(mode.activationProbability);
    if (!Number.isFinite(probability)) throw serverError('TypeMismatch', "'activationProbability' option to 'mode' must be a double");
    if (probability < 0 || probability > 1) throw serverError('BadValue', "'activationProbability' option to 'mode' must be between 0 and 1");
    return { kind: 'activationProbability', probability };
  }
  throw serverError('BadValue', "'mode' must be one of 'off', 'alwaysOn', 'times', 'skip' or 'activationProbability'");
}

/** One fail point: its mode, its data and how often it fired (mongod's timesEntered). */
export class FailPoint {
  private mode: FailPointMode = { kind: 'off' };
  /** What `{times}` has left, or `{skip}` has still to skip. */
  private remaining = 0;
  private dataDocument: Document = {};
  private entered = 0;

  constructor(readonly name: string) {}

  get active(): boolean {
    return this.mode.kind !== 'off';
  }

  get data(): Document {
    return this.dataDocument;
  }

  get timesEntered(): number {
    return this.entered;
  }

  /** Sets the mode and data; returns how often the fail point had fired until now. */
  set(mode: FailPointMode, data: Document): number {
    this.mode = mode;
    this.dataDocument = data;
    this.remaining = mode.kind === 'times' ? mode.times : mode.kind === 'skip' ? mode.skip : 0;
    if (mode.kind === 'times' && mode.times === 0) this.mode = { kind: 'off' };
    return this.entered;
  }

  /**
   * Whether the fail point fires now, for a caller whose predicate on the data held. Counts a hit;
   * `{times: n}` turns itself off after its n-th.
   */
  fire(random: Random): boolean {
    const hit = this.evaluate(random);
    if (hit) this.entered += 1;
    return hit;
  }

  private evaluate(random: Random): boolean {
    switch (this.mode.kind) {
      case 'off':
        return false;
      case 'alwaysOn':
        return true;
      case 'times':
        this.remaining -= 1;
        if (this.remaining <= 0) this.mode = { kind: 'off' };
        return true;
      case 'skip':
        if (this.remaining > 0) {
          this.remaining -= 1;
          return false;
        }
        return true;
      case 'activationProbability':
        return random.float() < this.mode.probability;
    }
  }

  /** The mode in the form configureFailPoint took it, for getParameter-style reports. */
  describe(): Document {
    const m = this.mode;
    const mode = m.kind === 'off' ? 0 : m.kind === 'alwaysOn' ? 1 : m.kind === 'activationProbability' ? 2 : m.kind === 'times' ? 3 : 4;
    return { mode, data: this.dataDocument, timesEntered: this.entered };
  }
}

/** What the command a fail point looks at is: its name, namespace and where it came from. */
export interface FailCommandTarget {
  /** The command's name as sent (its first field). */
  readonly commandName: string;
  /** `db.collection` when the command names a collection, else `db`. */
  readonly namespace: string;
  /** The connection's client `application.name` from its handshake. */
  readonly appName: string | undefined;
  /** A command from another member (heartbeats, votes, oplog reads), ignored unless `failInternalCommands`. */
  readonly internal: boolean;
}

/** What `failCommand` does to a command before it runs. */
export interface FailCommandAction {
  readonly closeConnection: boolean;
  readonly blockTimeMillis: number;
  /** An error reply to answer instead of running the command. */
  readonly errorReply: Document | undefined;
}

/** The errmsg mongod sends when failCommand makes a command fail (commands.cpp). */
export const FAIL_COMMAND_ERRMSG = "Failing command via 'failCommand' failpoint";
/** The errmsg (code 50985) of a command whose connection failCommand closed. */
export const FAIL_COMMAND_CLOSED_ERRMSG = "Failing command due to 'failCommand' failpoint";
const CLOSED_CONNECTION_CODE = 50985;
/** ErrorCodes::InternalError. */
const INTERNAL_ERROR_CODE = 1;
/** The errmsg of a getMore failed by failGetMoreAfterCursorCheckout. */
export const GET_MORE_FAIL_POINT_ERRMSG = "Hit the 'failGetMoreAfterCursorCheckout' failpoint";

function asBool(value: unknown): boolean {
  return value === true || (typeof value === 'number' && value !== 0);
}

/** What onPrimaryTransactionalWrite does to a statement. */
export interface TransactionalWriteAction {
  readonly closeConnection: boolean;
  /** The code the statement fails with before it commits, when set. */
  readonly failCode: number | undefined;
}

/** The fail points of one member. */
export class FailPointRegistry {
  private readonly points = new Map<string, FailPoint>();
  /** failCommand, looked at on every command: kept apart so the check is one field read when off. */
  readonly failCommand: FailPoint;

  constructor(private readonly random: Random) {
    for (const name of FAIL_POINT_NAMES) this.points.set(name, new FailPoint(name));
    this.failCommand = this.points.get('failCommand') as FailPoint;
  }

  get(name: string): FailPoint | undefined {
    return this.points.get(name);
  }

  /** The `configureFailPoint` command: `{configureFailPoint: name, mode, data}` → `{count, ok: 1}`. */
  configure(body: Document): Document {
    const name = body.configureFailPoint;
    if (typeof name !== 'string') throw serverError('TypeMismatch', "'configureFailPoint' must be a string");
    const point = this.points.get(name);
    if (point === undefined) throw serverError('FailPointSetFailed', `${name} not found`);
    if (body.mode === undefined) throw serverError('IllegalOperation', "When setting a failpoint, you must supply a 'mode'");
    const mode = parseFailPointMode(body.mode);
    const data = body.data === undefined ? {} : body.data;
    if (!isPlainObject(data)) throw serverError('TypeMismatch', "the 'data' option must be a JSON object");
    if (name === 'failCommand') checkFailCommandData(data);
    const count = point.set(mode, data);
    return { count, ok: 1 };
  }

  /**
   * failCommand before a command runs: whether it closes the connection, blocks, or fails the
   * command (closeConnection first, then blockConnection, then errorCode, as mongod orders them).
   * Undefined when it does not fire for this command.
   */
  beforeCommand(target: FailCommandTarget): FailCommandAction | undefined {
    const point = this.failCommand;
    if (!point.active) return undefined;
    const data = point.data;
    const closeConnection = asBool(data.closeConnection);
    const blockConnection = asBool(data.blockConnection);
    const hasErrorCode = data.errorCode !== undefined;
    if (!(closeConnection || blockConnection || hasErrorCode)) return undefined;
    if (!failCommandApplies(data, target)) return undefined;
    if (!point.fire(this.random)) return undefined;
    let errorReply: Document | undefined;
    if (closeConnection) {
      errorReply = { ok: 0, errmsg: FAIL_COMMAND_CLOSED_ERRMSG, code: CLOSED_CONNECTION_CODE, codeName: codeNameFor(CLOSED_CONNECTION_CODE) };
    } else if (hasErrorCode) {
      const code = Number(data.errorCode);
      errorReply = { ok: 0, errmsg: FAIL_COMMAND_ERRMSG, code, codeName: codeNameFor(code) };
      if (Array.isArray(data.errorLabels)) errorReply.errorLabels = (data.errorLabels as unknown[]).map(String);
    }
    return { closeConnection, blockTimeMillis: blockConnection ? Number(data.blockTimeMS) : 0, errorReply };
  }

  /**
   * failCommand's writeConcernError form, after a command ran: the writeConcernError to put in its
   * reply, and the labels that replace the ones mongod would compute (`errorLabels` in the data).
   */
  afterCommand(target: FailCommandTarget): { writeConcernError: Document; errorLabels: string[] | undefined } | undefined {
    const point = this.failCommand;
    if (!point.active) return undefined;
    const data = point.data;
    if (!isPlainObject(data.writeConcernError)) return undefined;
    if (!failCommandApplies(data, target)) return undefined;
    if (!point.fire(this.random)) return undefined;
    return {
      writeConcernError: { ...data.writeConcernError },
      errorLabels: Array.isArray(data.errorLabels) ? (data.errorLabels as unknown[]).map(String) : undefined,
    };
  }

  /**
   * onPrimaryTransactionalWrite (transaction_participant.cpp): looked at once per statement of a
   * retryable write. When it fires, `closeConnection` (default true) drops the client's connection
   * once the command ends, and `failBeforeCommitExceptionCode` fails the statement with that code
   * so that it does not commit. Undefined when it does not fire.
   */
  onTransactionalWrite(): TransactionalWriteAction | undefined {
    const point = this.points.get('onPrimaryTransactionalWrite')!;
    if (!point.active || !point.fire(this.random)) return undefined;
    const data = point.data;
    const failCode = data.failBeforeCommitExceptionCode;
    return { closeConnection: data.closeConnection === undefined || asBool(data.closeConnection), failCode: failCode === undefined ? undefined : Number(failCode) };
  }

  /**
   * failGetMoreAfterCursorCheckout (getmore_cmd.cpp): looked at by a getMore once its cursor is
   * checked out. Its data is failCommand's predicate with `failCommands: ["getMore"]` implied
   * (namespace, appName, failInternalCommands); when it fires the getMore fails with
   * `errorCode` (InternalError, 1, when absent) and the cursor is deleted, as the getMore's
   * early-return guard deletes it. Returns the code, or undefined when it does not fire.
   */
  getMoreAfterCheckout(target: FailCommandTarget): number | undefined {
    const point = this.points.get('failGetMoreAfterCursorCheckout')!;
    if (!point.active) return undefined;
    const data = point.data;
    if (!failCommandApplies({ ...data, failCommands: ['getMore'] }, target)) return undefined;
    if (!point.fire(this.random)) return undefined;
    return data.errorCode === undefined ? INTERNAL_ERROR_CODE : Number(data.errorCode);
  }

  /** Sleep `millis` on the member's clock, or until the connection closes. */
  static block(clock: Clock, millis: number, signal: AbortSignal): Promise<void> {
    return sleepOn(clock, millis, signal);
  }
}

/** commands.cpp's shouldActivateFailCommandFailPoint: the predicate on the command, checked before the mode. */
export function failCommandApplies(data: Document, target: FailCommandTarget): boolean {
  // configureFailPoint itself is never failed, even when listed.
  if (target.commandName === 'configureFailPoint') return false;
  if (target.internal && !asBool(data.failInternalCommands)) return false;
  if (data.appName !== undefined && data.appName !== target.appName) return false;
  if (typeof data.namespace === 'string' && data.namespace !== target.namespace) return false;
  const commands = data.failCommands;
  if (!Array.isArray(commands)) return false;
  // A command matches under any of its names (findAndModify / findandmodify, isMaster / ismaster).
  const wanted = target.commandName.toLowerCase();
  return commands.some((c) => typeof c === 'string' && c.toLowerCase() === wanted);
}

function checkFailCommandData(data: Document): void {
  if (data.failCommands !== undefined && !Array.isArray(data.failCommands)) throw serverError('TypeMismatch', "'failCommands' must be an array");
  if (data.errorCode !== undefined && !Number.isInteger(Number(data.errorCode))) throw serverError('TypeMismatch', "'errorCode' must be a number");
  if (asBool(data.blockConnection)) {
    const millis = Number(data.blockTimeMS);
    if (data.blockTimeMS === undefined || !Number.isFinite(millis) || millis < 0) {
      throw serverError('InvalidOptions', "must specify a non-negative 'blockTimeMS' when 'blockConnection' is true");
    }
  }
  if (data.writeConcernError !== undefined && !isPlainObject(data.writeConcernError)) throw serverError('TypeMismatch', "'writeConcernError' must be an object");
  if (data.errorLabels !== undefined && !Array.isArray(data.errorLabels)) throw serverError('TypeMismatch', "'errorLabels' must be an array");
}
