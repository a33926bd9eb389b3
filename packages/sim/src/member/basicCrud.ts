import { ObjectId } from 'bson';
import type { Document } from 'bson';
import type { CommandRequest } from '../commands/handler';
import { serverError } from '../base/errors';
import { compareOpTime } from '../base/optime';
import type { CrudContext, Member } from './member';
import type { LoggedOp } from './storage';
import { DuplicateKeyError, SimpleStorage } from './storage';

/**
 * The few CRUD commands the harness and the randomized simulator need, over SimpleStorage, by
 * `_id` or whole-collection. The mingo-backed commands module replaces these when plugged in.
 */
export const BASIC_CRUD_COMMANDS: ReadonlySet<string> = new Set(['insert', 'find', 'update', 'delete', 'count']);

export const BASIC_FIND_RESULTS_MAX = 100_000;

function storageOf(member: Member): SimpleStorage {
  if (!(member.storage instanceof SimpleStorage)) throw serverError('CommandNotSupported', 'basic CRUD needs SimpleStorage');
  return member.storage;
}

function ns(request: CommandRequest, name: string): string {
  const coll = request.body[Object.keys(request.body)[0]!];
  if (typeof coll !== 'string' || coll === '') throw serverError('InvalidNamespace', `Invalid namespace specified '${request.db}.${String(coll)}'`);
  void name;
  return `${request.db}.${coll}`;
}

function matches(doc: Document, filter: Document): boolean {
  for (const [key, value] of Object.entries(filter)) {
    const actual = doc[key];
    if (value instanceof ObjectId) {
      if (!(actual instanceof ObjectId) || !actual.equals(value)) return false;
    } else if (actual !== value) return false;
  }
  return true;
}

async function finishWrite(ctx: CrudContext, request: CommandRequest, ops: LoggedOp[], reply: Document): Promise<Document> {
  const opTime = ops.length > 0 ? ctx.logOps(ops) : ctx.member.repl.lastApplied;
  const wcError = await ctx.waitForWriteConcern(opTime, request);
  if (wcError) reply.writeConcernError = wcError;
  reply.ok = 1;
  return reply;
}

export async function runBasicCrudCommand(member: Member, name: string, request: CommandRequest, ctx: CrudContext): Promise<Document> {
  const storage = storageOf(member);
  const namespace = ns(request, name);
  const body = request.body;
  switch (name) {
    case 'insert': {
      ctx.checkCanAcceptWrites(request.db);
      const docs = Array.isArray(body.documents) ? (body.documents as Document[]) : [];
      const ops: LoggedOp[] = [];
      const writeErrors: Document[] = [];
      let n = 0;
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i]!;
        const withId = doc._id === undefined ? { _id: ObjectId.createFromHexString(ctx.random.hex(12)), ...doc } : doc;
        try {
          ops.push(storage.insert(namespace, withId));
          n++;
        } catch (e) {
          if (!(e instanceof DuplicateKeyError)) throw e;
          writeErrors.push({ index: i, code: 11000, errmsg: e.message, keyPattern: { _id: 1 }, keyValue: { _id: withId._id } });
          if (body.ordered !== false) break;
        }
      }
      const reply: Document = { n };
      if (writeErrors.length > 0) reply.writeErrors = writeErrors;
      return finishWrite(ctx, request, ops, reply);
    }
    case 'update': {
      ctx.checkCanAcceptWrites(request.db);
      const updates = Array.isArray(body.updates) ? (body.updates as Document[]) : [];
      const ops: LoggedOp[] = [];
      let n = 0;
      let nModified = 0;
      const upserted: Document[] = [];
      updates.forEach((u, index) => {
        const q = (u.q ?? {}) as Document;
        const spec = (u.u ?? {}) as Document;
        const existing = q._id !== undefined ? storage.get(namespace, q._id) : storage.all(namespace).find((d) => matches(d, q));
        const isOperator = Object.keys(spec).some((k) => k.startsWith('$'));
        if (isOperator && Object.keys(spec).some((k) => k !== '$set')) throw serverError('CommandNotSupported', 'basic CRUD supports only $set updates');
        if (existing) {
          const next = isOperator ? { ...existing, ...(spec.$set as Document) } : { ...spec, _id: existing._id };
          ops.push(storage.replace(namespace, next));
          n++;
          nModified++;
        } else if (u.upsert === true) {
          const id = q._id ?? ObjectId.createFromHexString(ctx.random.hex(12));
          const next = isOperator ? { _id: id, ...(spec.$set as Document) } : { ...spec, _id: id };
          ops.push(storage.replace(namespace, next));
          n++;
          upserted.push({ index, _id: id });
        }
      });
      const reply: Document = { n, nModified };
      if (upserted.length > 0) reply.upserted = upserted;
      return finishWrite(ctx, request, ops, reply);
    }
    case 'delete': {
      ctx.checkCanAcceptWrites(request.db);
      const deletes = Array.isArray(body.deletes) ? (body.deletes as Document[]) : [];
      const ops: LoggedOp[] = [];
      for (const d of deletes) {
        const q = (d.q ?? {}) as Document;
        const targets = storage.all(namespace).filter((doc) => matches(doc, q));
        for (const doc of Number(d.limit ?? 0) === 1 ? targets.slice(0, 1) : targets) {
          const op = storage.remove(namespace, doc._id);
          if (op) ops.push(op);
        }
      }
      return finishWrite(ctx, request, ops, { n: ops.length });
    }
    case 'find':
    case 'count': {
      ctx.checkCanServeReads(request);
      const filter = ((name === 'find' ? body.filter : body.query) ?? {}) as Document;
      const level = (body.readConcern as Document | undefined)?.level;
      let docs = level === 'majority' ? majorityView(member, storage, namespace) : storage.all(namespace);
      docs = docs.filter((d) => matches(d, filter));
      if (name === 'count') return { n: docs.length, ok: 1 };
      const limit = Math.abs(Number(body.limit ?? 0));
      if (limit > 0) docs = docs.slice(0, limit);
      if (docs.length > BASIC_FIND_RESULTS_MAX) throw serverError('ExceededMemoryLimit', `more than ${BASIC_FIND_RESULTS_MAX} results`);
      return { cursor: { firstBatch: docs, id: 0n, ns: namespace }, ok: 1 };
    }
    default:
      throw new Error(`runBasicCrudCommand: ${name}`);
  }
}

/** Documents as of the majority commit point: current data with later writes reverted. */
function majorityView(member: Member, storage: SimpleStorage, namespace: string): Document[] {
  const oplog = member.repl.oplog;
  const commit = member.repl.commitPoint;
  const reverted = new Map<string, Document | null>();
  for (let i = oplog.length - 1; i >= 0; i--) {
    const e = oplog.at(i)!;
    if (compareOpTime(e, commit) <= 0) break;
    if (e.ns !== namespace || e.op === 'n' || e.op === 'c') continue;
    const u = e.undo as { key: string; before: Document | null } | undefined;
    if (u) reverted.set(u.key, u.before);
  }
  if (reverted.size === 0) return storage.all(namespace);
  const current = storage.all(namespace);
  const out: Document[] = [];
  const seen = new Set<string>();
  for (const doc of current) {
    const key = storage.keyOf(doc._id);
    seen.add(key);
    if (reverted.has(key)) {
      const before = reverted.get(key);
      if (before) out.push(before);
    } else out.push(doc);
  }
  for (const [key, before] of reverted) if (!seen.has(key) && before) out.push(before);
  return out;
}
