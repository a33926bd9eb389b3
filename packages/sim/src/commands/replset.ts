import type { Document } from 'bson';
import type { CommandRequest } from './handler';
import { serverError } from '../base/errors';
import { MIB_BYTES } from '../repl/coordinator';
import { bsonTypeName } from '../storage/values';
import type { ServerNode } from './serverNode';

/** Replica-set commands, user-facing and internal, by lowercased name. */
export const REPLSET_COMMANDS: ReadonlySet<string> = new Set([
  'replsetinitiate',
  'replsetgetstatus',
  'replsetgetconfig',
  'replsetreconfig',
  'replsetstepdown',
  'replsetstepup',
  'replsetfreeze',
  'replsetsyncfrom',
  'replsetheartbeat',
  'replsetrequestvotes',
  'replsetupdateposition',
  'replsetgetrbid',
  'replsetresizeoplog',
  'shutdown',
]);

function requireAdmin(request: CommandRequest, name: string): void {
  if (request.db !== 'admin') throw serverError('Unauthorized', `${name} may only be run against the admin database.`);
}

function numberArg(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const n = Number(value);
  if (!Number.isFinite(n)) throw serverError('TypeMismatch', `"${field}" had the wrong type. Expected number`);
  return n;
}

export async function runReplSetCommand(member: ServerNode, name: string, request: CommandRequest): Promise<Document> {
  const body = request.body;
  const repl = member.repl;
  switch (name) {
    case 'replsetinitiate': {
      requireAdmin(request, 'replSetInitiate');
      const arg = body.replSetInitiate ?? body.replsetinitiate;
      const config = arg && typeof arg === 'object' && !Array.isArray(arg) && Object.keys(arg as Document).length > 0 ? (arg as Document) : undefined;
      return repl.initiate(config);
    }
    case 'replsetgetstatus':
      requireAdmin(request, 'replSetGetStatus');
      return { ...repl.status(), ok: 1 };
    case 'replsetgetconfig': {
      requireAdmin(request, 'replSetGetConfig');
      // replset_commands.cpp CmdReplSetGetConfig: newlyAdded marks are left out unless the
      // test-only `$_internalIncludeNewlyAdded` asks for them.
      const include = body.$_internalIncludeNewlyAdded;
      if (include !== undefined && !member.testCommandsEnabled) {
        throw serverError('InvalidOptions', "The '$_internalIncludeNewlyAdded' option is only supported when testing commands are enabled");
      }
      return { ...repl.configDocument(body.commitmentStatus === true, include === true), ok: 1 };
    }
    case 'replsetreconfig': {
      requireAdmin(request, 'replSetReconfig');
      const arg = body.replSetReconfig ?? body.replsetreconfig;
      if (!arg || typeof arg !== 'object') throw serverError('TypeMismatch', 'Expected replSetReconfig argument to be an Object');
      const maxTimeMS = body.maxTimeMS === undefined ? undefined : numberArg(body.maxTimeMS, 'maxTimeMS', 0);
      return repl.reconfig(arg as Document, body.force === true, maxTimeMS !== undefined && maxTimeMS > 0 ? maxTimeMS : undefined);
    }
    case 'replsetstepdown': {
      requireAdmin(request, 'replSetStepDown');
      const first = Object.keys(body)[0]!;
      // replset_commands.cpp CmdReplSetStepDown: 0 (or no number) means 60 s; the catch-up period
      // defaults to 10 s, 0 with force; the step-down period may not be shorter than it.
      const force = body.force === true || (typeof body.force === 'number' && body.force !== 0);
      let stepDownSecs = Math.trunc(numberArg(body[first], 'replSetStepDown', 0));
      if (stepDownSecs === 0) stepDownSecs = 60;
      else if (stepDownSecs < 0) throw serverError('BadValue', 'stepdown period must be a positive integer');
      const catchUp = Math.trunc(numberArg(body.secondaryCatchUpPeriodSecs, 'secondaryCatchUpPeriodSecs', force ? 0 : 10));
      if (catchUp < 0) throw serverError('BadValue', 'secondaryCatchUpPeriodSecs period must be a positive or absent');
      if (stepDownSecs < catchUp) throw serverError('BadValue', 'stepdown period must be longer than secondaryCatchUpPeriodSecs');
      await repl.stepDown(stepDownSecs, catchUp, force);
      return { ok: 1 };
    }
    case 'replsetstepup':
      requireAdmin(request, 'replSetStepUp');
      await repl.stepUp(body.skipDryRun === true);
      return { ok: 1 };
    case 'replsetfreeze': {
      requireAdmin(request, 'replSetFreeze');
      const first = Object.keys(body)[0]!;
      return repl.freeze(numberArg(body[first], 'replSetFreeze', 0));
    }
    case 'replsetsyncfrom': {
      requireAdmin(request, 'replSetSyncFrom');
      // repl_set_commands.cpp CmdReplSetSyncFrom: bsonExtractStringField, then HostAndPort.
      const first = Object.keys(body)[0]!;
      const target = body[first];
      if (typeof target !== 'string') throw serverError('TypeMismatch', `"replSetSyncFrom" had the wrong type. Expected string, found ${bsonTypeName(target)}`);
      if (target.trim() === '') throw serverError('FailedToParse', `Empty host component parsing HostAndPort from "${target}"`);
      return repl.syncFrom(target);
    }
    case 'replsetheartbeat':
      return repl.processHeartbeat(body);
    case 'replsetrequestvotes':
      return repl.processRequestVotes(body);
    case 'replsetupdateposition':
      return repl.processUpdatePosition(body);
    case 'replsetgetrbid':
      return { rbid: repl.persisted.rbid, ok: 1 };
    case 'replsetresizeoplog': {
      requireAdmin(request, 'replSetResizeOplog');
      if (repl.replSetName === undefined || repl.config === undefined) throw serverError('NamespaceNotFound', 'oplog does not exist');
      repl.resizeOplog(parseResizeOplog(body));
      return { ok: 1 };
    }
    case 'shutdown': {
      requireAdmin(request, 'shutdown');
      await member.shutdown({ force: body.force === true, timeoutSecs: numberArg(body.timeoutSecs, 'timeoutSecs', 10) });
      return { ok: 1 };
    }
    default:
      throw new Error(`runReplSetCommand: ${name} is not a replica-set command`);
  }
}

/** A C++ `str::stream() << double`: printf's %g (six significant digits). */
function formatDoubleG(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  const trim = (text: string) => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);
  if (exponent < -4 || exponent >= 6) {
    const [mantissa, exp] = value.toExponential(5).split('e') as [string, string];
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
    return `${trim(mantissa)}e${sign}${digits}`;
  }
  return trim(value.toFixed(Math.max(0, 5 - exponent)));
}

/** The smallest and largest oplog size replSetResizeOplog takes, in MB (resize_oplog.idl: 990 MB to 1 PB). */
const RESIZE_OPLOG_SIZE_MB_MIN = 990;
const RESIZE_OPLOG_SIZE_MB_MAX = 1024 * 1024 * 1024;

/**
 * replSetResizeOplog's fields as its IDL parses them (commands/resize_oplog.idl, 7.0): `size` (MB)
 * and `minRetentionHours`, both optional doubles (null counts as absent), each checked against its
 * validator in document order — a value out of range fails with 51024 (idl_parser.h
 * `throwComparisonError`), a non-number with TypeMismatch. Other fields are ignored (strict: false).
 */
function parseResizeOplog(body: Document): { sizeBytes?: number; minRetentionHours?: number } {
  const out: { sizeBytes?: number; minRetentionHours?: number } = {};
  const check = (field: string, value: number, op: '>=' | '<=', bound: number): void => {
    if (op === '>=' ? value >= bound : value <= bound) return;
    throw serverError('Location51024', `BSON field 'replSetResizeOplog.${field}' value must be ${op} ${formatDoubleG(bound)}, actual value '${formatDoubleG(value)}'`);
  };
  for (const [field, value] of Object.entries(body)) {
    if (field !== 'size' && field !== 'minRetentionHours') continue;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'number') {
      throw serverError('TypeMismatch', `BSON field 'replSetResizeOplog.${field}' is the wrong type '${bsonTypeName(value)}', expected type 'double'`);
    }
    if (field === 'size') {
      check(field, value, '>=', RESIZE_OPLOG_SIZE_MB_MIN);
      check(field, value, '<=', RESIZE_OPLOG_SIZE_MB_MAX);
      // resize_oplog.cpp: `*sizeMB * 1024 * 1024` into a long long.
      out.sizeBytes = Math.trunc(value * MIB_BYTES);
    } else {
      check(field, value, '>=', 0);
      out.minRetentionHours = value;
    }
  }
  return out;
}
