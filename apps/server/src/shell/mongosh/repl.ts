/**
 * The mongosh REPL: shell commands (`use`, `show`, `it`, `exit`), JavaScript expressions over the
 * shell API (`db`, `rs`, collections, cursors, BSON constructors), output and errors as mongosh
 * 2.12 prints them. Parsed and walked, never `eval`ed.
 */
import { Binary, Decimal128, Int32, Long, ObjectId, Timestamp, UUID } from 'bson';
import type { EndOfInput, Repl, ReplIO, ReplOutcome, SourceLimits } from '../io';
import { InterruptedError, abortable, defaultSourceLimits, throwIfAborted } from '../io';
import type { Completion } from '../complete';
import { completeMongosh } from '../complete';
import type { Document, MongoshBackend, MongoshCallContext, MongoshFindOptions, MongoshWriteOptions } from './backend';
import { MongoshBackendError } from './backend';
import type { SelfPrinting } from './inspect';
import { formatBytes, formatResult, formatValue, textTable } from './inspect';
import type { JsExpr, JsStmt } from './parser';
import { JsIncomplete, JsSyntaxError, JsTooDeep, JsUnsupported, codeFrame, lineColumn, parseProgram } from './parser';

export const mongoshVersion = '2.12.0';

/** An error mongosh prints as `name: message` (`ReferenceError`, `TypeError`, `MongoshInvalidInputError`...). */
export class JsRuntimeError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'JsRuntimeError';
  }
}

const invalidInput = (message: string): JsRuntimeError => new JsRuntimeError('MongoshInvalidInputError', `[COMMON-10001] ${message}`);

interface Ctx {
  signal: AbortSignal;
  write(text: string): void;
  call: MongoshCallContext;
}

type Impl = (args: unknown[], ctx: Ctx) => unknown;

export class HostFunction implements SelfPrinting {
  constructor(
    readonly name: string,
    readonly impl: Impl,
  ) {}
  printedForm(): string {
    return `[Function: ${this.name}]`;
  }
}

class Closure implements SelfPrinting {
  constructor(
    readonly params: string[],
    readonly body: JsExpr,
    readonly interp: MongoshInterpreter,
  ) {}
  printedForm(): string {
    return '[Function (anonymous)]';
  }
}

type Callable = HostFunction | Closure;

interface HostObject extends SelfPrinting {
  get(name: string): unknown;
  names(): string[];
}

function isHostObject(v: unknown): v is HostObject {
  return typeof v === 'object' && v !== null && typeof (v as Partial<HostObject>).get === 'function' && typeof (v as Partial<HostObject>).names === 'function';
}

function plainObject(entries: Array<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function typeOf(v: unknown): string {
  if (v instanceof HostFunction || v instanceof Closure) return 'function';
  return typeof v;
}

/** Most documents a cursor prints per batch (mongosh's displayBatchSize). */
const displayBatchSize = 20;

export interface MongoshLimits {
  /** Most callback calls one forEach/map runs. */
  iterationsMax: number;
}

class Cursor implements HostObject {
  private docs: Document[] | null = null;
  private position = 0;
  private readonly options: MongoshFindOptions = {};
  constructor(
    private readonly coll: Collection,
    private readonly filter: Document,
    projection: Document | undefined,
  ) {
    if (projection !== undefined) this.options.projection = projection;
  }
  printedForm(): string {
    return 'Cursor';
  }
  names(): string[] {
    return ['forEach', 'hasNext', 'itcount', 'limit', 'map', 'next', 'pretty', 'skip', 'sort', 'toArray'];
  }
  async fetch(ctx: Ctx): Promise<Document[]> {
    if (this.docs === null) {
      const b = this.coll.db.interp.backend;
      this.docs = await b.find(this.coll.db.name, this.coll.name, this.filter, this.options, ctx.call);
    }
    return this.docs;
  }
  /** The next batch for printing, and whether more remain. */
  async nextBatch(ctx: Ctx): Promise<{ documents: Document[]; hasMore: boolean }> {
    const docs = await this.fetch(ctx);
    const documents = docs.slice(this.position, this.position + displayBatchSize);
    this.position += documents.length;
    return { documents, hasMore: this.position < docs.length };
  }
  private chain(name: string, apply: (arg: unknown) => void): HostFunction {
    return new HostFunction(name, (args) => {
      if (this.docs !== null) throw new JsRuntimeError('MongoshInvalidInputError', `[COMMON-10002] Cursor already executed; cannot call ${name}()`);
      apply(args[0]);
      return this;
    });
  }
  get(name: string): unknown {
    switch (name) {
      case 'limit':
        return this.chain(name, (n) => {
          if (typeof n !== 'number') throw invalidInput(`Argument at position 0 must be of type number, got ${typeOf(n)} instead (Cursor.limit)`);
          this.options.limit = n;
        });
      case 'skip':
        return this.chain(name, (n) => {
          if (typeof n !== 'number') throw invalidInput(`Argument at position 0 must be of type number, got ${typeOf(n)} instead (Cursor.skip)`);
          this.options.skip = n;
        });
      case 'sort':
        return this.chain(name, (spec) => {
          if (!isPlainObject(spec)) throw invalidInput(`Argument at position 0 must be of type object, got ${typeOf(spec)} instead (Cursor.sort)`);
          this.options.sort = spec;
        });
      case 'pretty':
        return new HostFunction(name, () => this);
      case 'toArray':
        return new HostFunction(name, async (_a, ctx) => {
          const docs = await this.fetch(ctx);
          const rest = docs.slice(this.position);
          this.position = docs.length;
          return rest;
        });
      case 'itcount':
        return new HostFunction(name, async (_a, ctx) => {
          const docs = await this.fetch(ctx);
          const n = docs.length - this.position;
          this.position = docs.length;
          return n;
        });
      case 'hasNext':
        return new HostFunction(name, async (_a, ctx) => (await this.fetch(ctx)).length > this.position);
      case 'next':
        return new HostFunction(name, async (_a, ctx) => {
          const docs = await this.fetch(ctx);
          return docs[this.position++] ?? null;
        });
      case 'forEach':
      case 'map':
        return new HostFunction(name, async (args, ctx) => {
          const fn = args[0];
          const docs = (await this.fetch(ctx)).slice(this.position);
          this.position = (this.docs ?? []).length;
          const out = await this.coll.db.interp.mapOver(docs, fn, ctx, `Cursor.${name}`, false);
          return name === 'map' ? out : undefined;
        });
    }
    return undefined;
  }
}

class Collection implements HostObject {
  constructor(
    readonly db: Database,
    readonly name: string,
  ) {}
  printedForm(): string {
    return `${this.db.name}.${this.name}`;
  }
  names(): string[] {
    return ['countDocuments', 'deleteOne', 'find', 'findOne', 'getName', 'insertMany', 'insertOne', 'updateOne'];
  }
  get(prop: string): unknown {
    const b = this.db.interp.backend;
    const dbName = this.db.name;
    const fn = (impl: Impl): HostFunction => new HostFunction(prop, impl);
    const doc = (v: unknown, i: number, fname: string, optional = false): Document => {
      if (v === undefined && optional) return {};
      if (v === undefined) throw invalidInput(`Missing required argument at position ${i} (Collection.${fname})`);
      if (!isPlainObject(v)) throw invalidInput(`Argument at position ${i} must be of type object, got ${typeOf(v)} instead (Collection.${fname})`);
      return v;
    };
    /** The write concern from an options argument, as mongosh passes it to the driver. */
    const writeOptions = (v: unknown, i: number, fname: string): MongoshWriteOptions => {
      const options = doc(v, i, fname, true);
      const writeConcern = options.writeConcern;
      if (writeConcern === undefined) return {};
      if (!isPlainObject(writeConcern)) throw invalidInput(`writeConcern must be an object (Collection.${fname})`);
      return { writeConcern };
    };
    switch (prop) {
      case 'getName':
        return fn(() => this.name);
      case 'insertOne':
        return fn(async (args, ctx) => {
          const r = await b.insertOne(dbName, this.name, doc(args[0], 0, prop), ctx.call, writeOptions(args[1], 1, prop));
          return plainObject([['acknowledged', r.acknowledged], ['insertedId', r.insertedId]]);
        });
      case 'insertMany':
        return fn(async (args, ctx) => {
          const docs = args[0];
          if (!Array.isArray(docs)) throw invalidInput(`Argument at position 0 must be of type object, got ${typeOf(docs)} instead (Collection.insertMany)`);
          const checked = docs.map((d, i) => {
            if (!isPlainObject(d)) throw new JsRuntimeError('MongoInvalidArgumentError', `Document at index ${i} must be an object`);
            return d;
          });
          const r = await b.insertMany(dbName, this.name, checked, ctx.call, writeOptions(args[1], 1, prop));
          return plainObject([['acknowledged', r.acknowledged], ['insertedIds', plainObject(Object.entries(r.insertedIds))]]);
        });
      case 'find':
        return fn((args) => new Cursor(this, doc(args[0], 0, prop, true), args[1] === undefined ? undefined : doc(args[1], 1, prop)));
      case 'findOne':
        return fn(async (args, ctx) => {
          const options: MongoshFindOptions = {};
          if (args[1] !== undefined) options.projection = doc(args[1], 1, prop);
          return b.findOne(dbName, this.name, doc(args[0], 0, prop, true), options, ctx.call);
        });
      case 'updateOne':
        return fn(async (args, ctx) => {
          const filter = doc(args[0], 0, prop);
          const update = args[1];
          if (update === undefined) throw invalidInput('Missing required argument at position 1 (Collection.updateOne)');
          if (isPlainObject(update)) {
            const first = Object.keys(update)[0];
            if (first === undefined || !first.startsWith('$')) throw new JsRuntimeError('MongoInvalidArgumentError', 'Update document requires atomic operators');
          } else if (!Array.isArray(update)) {
            throw invalidInput(`Argument at position 1 must be of type object, got ${typeOf(update)} instead (Collection.updateOne)`);
          }
          const opts = args[2] === undefined ? {} : doc(args[2], 2, prop);
          const r = await b.updateOne(
            dbName,
            this.name,
            filter,
            update as Document | Document[],
            { upsert: opts.upsert === true, ...writeOptions(args[2], 2, prop) },
            ctx.call,
          );
          return plainObject([
            ['acknowledged', r.acknowledged],
            ['insertedId', r.upsertedId ?? null],
            ['matchedCount', r.matchedCount],
            ['modifiedCount', r.modifiedCount],
            ['upsertedCount', r.upsertedCount],
          ]);
        });
      case 'deleteOne':
        return fn(async (args, ctx) => {
          const r = await b.deleteOne(dbName, this.name, doc(args[0], 0, prop), ctx.call, writeOptions(args[1], 1, prop));
          return plainObject([['acknowledged', r.acknowledged], ['deletedCount', r.deletedCount]]);
        });
      case 'countDocuments':
        return fn((args, ctx) => b.countDocuments(dbName, this.name, doc(args[0], 0, prop, true), ctx.call));
    }
    if (prop.startsWith('_') || prop === 'constructor' || prop === 'prototype') return undefined;
    return new Collection(this.db, `${this.name}.${prop}`);
  }
}

function commandDoc(v: unknown, fname: string): Document {
  if (typeof v === 'string') return plainObject([[v, 1]]);
  if (isPlainObject(v)) return v;
  if (v === undefined) throw invalidInput(`Missing required argument at position 0 (${fname})`);
  throw invalidInput(`Argument at position 0 must be of type string or object, got ${typeOf(v)} instead (${fname})`);
}

class Database implements HostObject {
  constructor(
    readonly interp: MongoshInterpreter,
    readonly name: string,
  ) {}
  printedForm(): string {
    return this.name;
  }
  names(): string[] {
    return ['adminCommand', 'getCollection', 'getCollectionNames', 'getName', 'getSiblingDB', 'hello', 'isMaster', 'runCommand'];
  }
  get(prop: string): unknown {
    const b = this.interp.backend;
    const fn = (impl: Impl): HostFunction => new HostFunction(prop, impl);
    switch (prop) {
      case 'getName':
        return fn(() => this.name);
      case 'getCollection':
        return fn((args) => {
          const n = args[0];
          if (typeof n !== 'string') throw invalidInput(`Argument at position 0 must be of type string, got ${typeOf(n)} instead (Database.getCollection)`);
          if (n === '' || n.includes('$')) throw invalidInput(`Invalid collection name: ${n}`);
          return new Collection(this, n);
        });
      case 'getSiblingDB':
        return fn((args) => {
          const n = args[0];
          if (typeof n !== 'string') throw invalidInput(`Argument at position 0 must be of type string, got ${typeOf(n)} instead (Database.getSiblingDB)`);
          return new Database(this.interp, n);
        });
      case 'getCollectionNames':
        return fn((_a, ctx) => b.listCollectionNames(this.name, ctx.call));
      case 'runCommand':
        return fn((args, ctx) => b.runCommand(this.name, commandDoc(args[0], 'Database.runCommand'), ctx.call));
      case 'adminCommand':
        return fn((args, ctx) => b.runCommand('admin', commandDoc(args[0], 'Database.adminCommand'), ctx.call));
      case 'hello':
        return fn((_a, ctx) => b.runCommand(this.name, { hello: 1 }, ctx.call));
      case 'isMaster':
        return fn((_a, ctx) => b.runCommand(this.name, { isMaster: 1 }, ctx.call));
    }
    if (prop.startsWith('_') || prop === 'constructor' || prop === 'prototype') return undefined;
    return new Collection(this, prop);
  }
}

class ReplicaSet implements HostObject {
  constructor(private readonly interp: MongoshInterpreter) {}
  printedForm(): string {
    return `ReplicaSet class connected to ${this.interp.backend.uri} via db ${this.interp.currentDb}`;
  }
  names(): string[] {
    return ['add', 'conf', 'config', 'freeze', 'hello', 'initiate', 'isMaster', 'reconfig', 'remove', 'status', 'stepDown'];
  }
  private async getConfig(ctx: Ctx): Promise<Document & { members: Document[]; version: number }> {
    const reply = await this.interp.backend.runCommand('admin', { replSetGetConfig: 1 }, ctx.call);
    const config = reply.config;
    if (!isPlainObject(config)) {
      throw new JsRuntimeError('MongoshRuntimeError', "[COMMON-10004] Documented returned from command replSetGetConfig does not contain 'config'");
    }
    return config as Document & { members: Document[]; version: number };
  }
  get(prop: string): unknown {
    const b = this.interp.backend;
    const fn = (impl: Impl): HostFunction => new HostFunction(prop, impl);
    const admin = (cmd: Document, ctx: Ctx): Promise<Document> => b.runCommand('admin', cmd, ctx.call);
    const checkType = (v: unknown, i: number, types: string[], optional: boolean, fname: string): void => {
      if (v === undefined) {
        if (optional) return;
        throw invalidInput(`Missing required argument at position ${i} (ReplicaSet.${fname})`);
      }
      if (!types.includes(typeOf(v))) throw invalidInput(`Argument at position ${i} must be of type ${types.join(' or ')}, got ${typeOf(v)} instead (ReplicaSet.${fname})`);
    };
    switch (prop) {
      case 'initiate':
        return fn((args, ctx) => admin({ replSetInitiate: args[0] ?? {} }, ctx));
      case 'status':
        return fn((_a, ctx) => admin({ replSetGetStatus: 1 }, ctx));
      case 'conf':
      case 'config':
        return fn((_a, ctx) => this.getConfig(ctx));
      case 'isMaster':
        return fn((_a, ctx) => admin({ isMaster: 1 }, ctx));
      case 'hello':
        return fn((_a, ctx) => admin({ hello: 1 }, ctx));
      case 'freeze':
        return fn((args, ctx) => {
          checkType(args[0], 0, ['number'], false, 'freeze');
          return admin({ replSetFreeze: args[0] }, ctx);
        });
      case 'stepDown':
        return fn((args, ctx) => {
          checkType(args[0], 0, ['number'], true, 'stepDown');
          checkType(args[1], 1, ['number'], true, 'stepDown');
          const cmd: Document = { replSetStepDown: args[0] ?? 60 };
          if (args[1] !== undefined) cmd.secondaryCatchUpPeriodSecs = args[1];
          return admin(cmd, ctx);
        });
      case 'add':
        return fn(async (args, ctx) => {
          const [hostport, arb] = args;
          checkType(hostport, 0, ['string', 'object'], false, 'add');
          checkType(arb, 1, ['boolean'], true, 'add');
          const config = await this.getConfig(ctx);
          config.version++;
          const max = Math.max(...config.members.map((m) => Number(m._id)));
          let member: Document;
          if (typeof hostport === 'string') {
            member = { _id: max + 1, host: hostport };
            if (arb === true) member.arbiterOnly = true;
          } else if (arb === true) {
            throw invalidInput(`Expected first parameter to be a host-and-port string of arbiter, but got ${JSON.stringify(hostport)}`);
          } else {
            member = { ...(hostport as Document) };
            if (member._id === null || member._id === undefined) member._id = max + 1;
          }
          config.members.push(member);
          return admin({ replSetReconfig: config }, ctx);
        });
      case 'reconfig':
        return fn(async (args, ctx) => {
          // As mongosh does: the new config gets the current version + 1, whatever it says itself.
          const [config, options] = args;
          checkType(config, 0, ['object'], false, 'reconfig');
          checkType(options, 1, ['object'], true, 'reconfig');
          const current = await this.getConfig(ctx);
          const next: Document = { ...(config as Document), version: Number(current.version) + 1 };
          return admin({ replSetReconfig: next, ...((options as Document | undefined) ?? {}) }, ctx);
        });
      case 'remove':
        return fn(async (args, ctx) => {
          const host = args[0];
          checkType(host, 0, ['string'], false, 'remove');
          const config = await this.getConfig(ctx);
          config.version++;
          const i = config.members.findIndex((m) => m.host === host);
          if (i < 0) {
            throw invalidInput(`Couldn't find ${String(host)} in ${JSON.stringify(config.members)}. Is ${String(host)} a member of this replset?`);
          }
          config.members.splice(i, 1);
          return admin({ replSetReconfig: config }, ctx);
        });
    }
    return undefined;
  }
}

class Console implements HostObject {
  printedForm(): string {
    return 'Object [console]';
  }
  names(): string[] {
    return ['log'];
  }
  get(prop: string): unknown {
    if (prop === 'log' || prop === 'error' || prop === 'info' || prop === 'warn') {
      return new HostFunction(prop, (args, ctx) => {
        ctx.write(`${args.map((a) => formatResult(a) || (a === undefined ? 'undefined' : '')).join(' ')}\n`);
        return undefined;
      });
    }
    return undefined;
  }
}

interface Binding {
  value: unknown;
  constant: boolean;
}

export const mongoshHelpText = `
  Shell Help:

    use                                        Set current database
    show                                       'show databases'/'show dbs': Print a list of all available databases.
                                               'show collections'/'show tables': Print a list of all collections for current database.
    exit                                       Quit the MongoDB shell with exit/exit()/.exit
    quit                                       Quit the MongoDB shell with quit/quit()
    it                                         result of the last line evaluated; use to further iterate
    print                                      Prints the contents of an object to the output
    printjson                                  Alias for print()

  This lab's mongosh runs one expression or declaration at a time: db.coll.insertOne({...}),
  db.coll.find(), rs.initiate(), rs.status(), rs.conf(), rs.add("host:port"), rs.stepDown() ...
`;

export class MongoshInterpreter {
  currentDb: string;
  readonly globals = new Map<string, Binding>();
  lastCursor: Cursor | null = null;
  private readonly src: { text: string } = { text: '' };

  constructor(
    readonly backend: MongoshBackend,
    initialDb: string,
    private readonly limits: MongoshLimits,
  ) {
    this.currentDb = initialDb;
    this.installGlobals();
  }

  visibleNames(): string[] {
    return [...this.globals.keys(), 'db', 'rs'].sort();
  }

  database(): Database {
    return new Database(this, this.currentDb);
  }

  private installGlobals(): void {
    const g = (name: string, impl: Impl): void => {
      this.globals.set(name, { value: new HostFunction(name, impl), constant: true });
    };
    const hex = (v: unknown, fname: string): string | undefined => {
      if (v === undefined) return undefined;
      if (typeof v !== 'string' && !(v instanceof ObjectId) && typeof v !== 'number') {
        throw invalidInput(`Argument at position 0 must be of type string or number or object, got ${typeOf(v)} instead (${fname})`);
      }
      return v instanceof ObjectId ? v.toHexString() : (v as string);
    };
    const makeObjectId: Impl = (args) => {
      const v = hex(args[0], 'ObjectId');
      if (v === undefined) return new ObjectId();
      if (typeof v === 'number') return ObjectId.createFromTime(v);
      if (!/^[0-9a-fA-F]{24}$/.test(v)) throw new JsRuntimeError('BSONError', 'input must be a 24 character hex string, 12 byte Uint8Array, or an integer');
      return ObjectId.createFromHexString(v);
    };
    g('ObjectId', makeObjectId);
    const makeDate: Impl = (args) => {
      const v = args[0];
      if (v === undefined) return new Date();
      if (typeof v !== 'string' && typeof v !== 'number') throw invalidInput(`Argument at position 0 must be of type string or number, got ${typeOf(v)} instead (ISODate)`);
      const d = new Date(v);
      if (Number.isNaN(d.getTime())) throw new JsRuntimeError('BSONError', `${String(v)} is not a valid ISODate`);
      return d;
    };
    g('ISODate', makeDate);
    g('Date', makeDate);
    g('NumberLong', (args) => {
      const v = args[0] ?? 0;
      if (typeof v === 'number') return Long.fromNumber(v);
      if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return Long.fromString(v);
      throw new JsRuntimeError('BSONError', `Invalid NumberLong: ${String(v)}`);
    });
    g('Long', (args) => this.call(this.globals.get('NumberLong')?.value, args, { t: 'ident', name: 'Long', start: 0, end: 0 }, this.noCtx()));
    g('NumberInt', (args) => new Int32(Number(args[0] ?? 0)));
    g('Int32', (args) => new Int32(Number(args[0] ?? 0)));
    g('NumberDecimal', (args) => Decimal128.fromString(String(args[0] ?? '0')));
    g('Decimal128', (args) => Decimal128.fromString(String(args[0] ?? '0')));
    g('Timestamp', (args) => {
      const v = args[0];
      if (isPlainObject(v)) return new Timestamp({ t: Number(v.t ?? 0), i: Number(v.i ?? 0) });
      return new Timestamp({ t: Number(args[0] ?? 0), i: Number(args[1] ?? 0) });
    });
    g('UUID', (args) => (args[0] === undefined ? new UUID() : new UUID(String(args[0]))));
    g('BinData', (args) => new Binary(Buffer.from(String(args[1] ?? ''), 'base64'), Number(args[0] ?? 0)));
    g('print', (args, ctx) => {
      ctx.write(`${args.map((a) => formatResult(a)).join(' ')}\n`);
      return undefined;
    });
    g('printjson', (args, ctx) => {
      ctx.write(`${args.map((a) => formatValue(a)).join(' ')}\n`);
      return undefined;
    });
    g('help', (_a, ctx) => {
      ctx.write(mongoshHelpText);
      return undefined;
    });
    g('version', () => mongoshVersion);
    this.globals.set('console', { value: new Console(), constant: true });
    this.globals.set('undefined', { value: undefined, constant: true });
    this.globals.set('NaN', { value: NaN, constant: true });
    this.globals.set('Infinity', { value: Infinity, constant: true });
  }

  private noCtx(): Ctx {
    return { signal: new AbortController().signal, write: () => undefined, call: { signal: new AbortController().signal, onProgress: () => undefined } };
  }

  /** Runs parsed statements; returns the completion value of the last one. */
  async run(stmts: JsStmt[], src: string, ctx: Ctx): Promise<unknown> {
    this.src.text = src;
    let result: unknown = undefined;
    for (const stmt of stmts) {
      throwIfAborted(ctx.signal);
      if (stmt.t === 'empty') continue;
      if (stmt.t === 'decl') {
        for (const d of stmt.decls) {
          const existing = this.globals.get(d.name);
          if (existing?.constant && stmt.kind !== 'var') {
            throw new JsRuntimeError('SyntaxError', `Identifier '${d.name}' has already been declared`);
          }
          const value = d.init === null ? undefined : await this.eval(d.init, ctx);
          this.globals.set(d.name, { value, constant: stmt.kind === 'const' });
        }
        result = undefined;
        continue;
      }
      result = await this.eval(stmt.e, ctx);
    }
    return result;
  }

  private text(e: JsExpr): string {
    return this.src.text.slice(e.start, e.end);
  }

  /** Calls `fn` on each item: `(item, index)` for arrays, `(doc)` for cursors, as mongosh does. */
  async mapOver(items: unknown[], fn: unknown, ctx: Ctx, fname: string, withIndex = true): Promise<unknown[]> {
    if (!(fn instanceof HostFunction) && !(fn instanceof Closure)) {
      throw invalidInput(`Argument at position 0 must be of type function, got ${typeOf(fn)} instead (${fname})`);
    }
    const out: unknown[] = [];
    for (const [i, item] of items.entries()) {
      throwIfAborted(ctx.signal);
      if (i >= this.limits.iterationsMax) throw new JsRuntimeError('MongoshRuntimeError', `this lab stops after ${this.limits.iterationsMax} iterations`);
      out.push(await this.invoke(fn, withIndex ? [item, i] : [item], ctx));
    }
    return out;
  }

  private async invoke(fn: Callable, args: unknown[], ctx: Ctx): Promise<unknown> {
    if (fn instanceof HostFunction) {
      const r = fn.impl(args, ctx);
      return r instanceof Promise ? abortable(r, ctx.signal) : r;
    }
    const saved = new Map<string, Binding | undefined>();
    fn.params.forEach((p, i) => {
      saved.set(p, this.globals.get(p));
      this.globals.set(p, { value: args[i], constant: false });
    });
    try {
      return await this.eval(fn.body, ctx);
    } finally {
      for (const [p, b] of saved) {
        if (b === undefined) this.globals.delete(p);
        else this.globals.set(p, b);
      }
    }
  }

  async call(fn: unknown, args: unknown[], callee: JsExpr, ctx: Ctx): Promise<unknown> {
    if (fn instanceof HostFunction || fn instanceof Closure) return this.invoke(fn, args, ctx);
    throw new JsRuntimeError('TypeError', `${this.text(callee)} is not a function`);
  }

  private lookup(name: string): unknown {
    if (name === 'db') return this.database();
    if (name === 'rs') return new ReplicaSet(this);
    const b = this.globals.get(name);
    if (b === undefined) throw new JsRuntimeError('ReferenceError', `${name} is not defined`);
    return b.value;
  }

  getMember(obj: unknown, prop: string, objExpr: JsExpr): unknown {
    if (obj === undefined || obj === null) {
      throw new JsRuntimeError('TypeError', `Cannot read properties of ${String(obj)} (reading '${prop}')`);
    }
    if (isHostObject(obj)) return obj.get(prop);
    if (typeof obj === 'string') {
      if (prop === 'length') return obj.length;
      if (/^[0-9]+$/.test(prop)) return obj[Number(prop)];
      const methods: Record<string, (s: string, args: unknown[]) => unknown> = {
        toUpperCase: (s) => s.toUpperCase(),
        toLowerCase: (s) => s.toLowerCase(),
        trim: (s) => s.trim(),
        split: (s, a) => s.split(typeof a[0] === 'string' ? a[0] : ','),
        startsWith: (s, a) => s.startsWith(String(a[0])),
        includes: (s, a) => s.includes(String(a[0])),
        toString: (s: string) => s,
      };
      const m = methods[prop];
      return m === undefined ? undefined : new HostFunction(prop, (args) => m(obj, args));
    }
    if (Array.isArray(obj)) {
      if (prop === 'length') return obj.length;
      if (/^[0-9]+$/.test(prop)) return obj[Number(prop)];
      switch (prop) {
        case 'forEach':
        case 'map':
          return new HostFunction(prop, async (args, ctx) => {
            const out = await this.mapOver(obj, args[0], ctx, `Array.${prop}`);
            return prop === 'map' ? out : undefined;
          });
        case 'push':
          return new HostFunction(prop, (args) => obj.push(...args));
        case 'join':
          return new HostFunction(prop, (args) => obj.map((x) => (x === null || x === undefined ? '' : formatResult(x))).join(typeof args[0] === 'string' ? args[0] : ','));
      }
      return undefined;
    }
    if (obj instanceof ObjectId) {
      if (prop === 'toString' || prop === 'toHexString') return new HostFunction(prop, () => obj.toHexString());
      if (prop === 'getTimestamp') return new HostFunction(prop, () => obj.getTimestamp());
      return undefined;
    }
    if (obj instanceof Long) {
      if (prop === 'toNumber') return new HostFunction(prop, () => obj.toNumber());
      if (prop === 'toString') return new HostFunction(prop, () => obj.toString());
      return undefined;
    }
    if (obj instanceof Date) {
      if (prop === 'toISOString') return new HostFunction(prop, () => obj.toISOString());
      if (prop === 'getTime') return new HostFunction(prop, () => obj.getTime());
      return undefined;
    }
    if (isPlainObject(obj)) return Object.hasOwn(obj, prop) ? obj[prop] : undefined;
    void objExpr;
    return undefined;
  }

  async eval(e: JsExpr, ctx: Ctx): Promise<unknown> {
    switch (e.t) {
      case 'num':
      case 'str':
        return e.value;
      case 'lit':
        return e.value;
      case 'regex':
        try {
          return new RegExp(e.pattern, e.flags);
        } catch (err) {
          throw new JsRuntimeError('SyntaxError', err instanceof Error ? err.message : String(err));
        }
      case 'this':
        return undefined;
      case 'ident':
        return this.lookup(e.name);
      case 'array': {
        const out: unknown[] = [];
        for (const item of e.items) out.push(await this.eval(item, ctx));
        return out;
      }
      case 'object': {
        const entries: Array<[string, unknown]> = [];
        for (const p of e.props) {
          const key = typeof p.key === 'string' ? p.key : String(formatResult(await this.eval(p.key, ctx)));
          const value = await this.eval(p.value, ctx);
          const existing = entries.findIndex(([k]) => k === key);
          if (existing >= 0) entries.splice(existing, 1);
          entries.push([key, value]);
        }
        return plainObject(entries);
      }
      case 'member': {
        const obj = await this.eval(e.obj, ctx);
        if (e.optional && (obj === null || obj === undefined)) return undefined;
        const prop = typeof e.prop === 'string' ? e.prop : await this.eval(e.prop, ctx);
        const key = typeof prop === 'number' ? String(prop) : typeof prop === 'string' ? prop : String(formatResult(prop));
        return this.getMember(obj, key, e.obj);
      }
      case 'call': {
        const fn = await this.eval(e.callee, ctx);
        const args: unknown[] = [];
        for (const a of e.args) args.push(await this.eval(a, ctx));
        if (e.isNew && !(fn instanceof HostFunction)) throw new JsRuntimeError('TypeError', `${this.text(e.callee)} is not a constructor`);
        return this.call(fn, args, e.callee, ctx);
      }
      case 'unary': {
        const v = await this.eval(e.arg, ctx);
        switch (e.op) {
          case '!':
            return !truthy(v);
          case '-':
            return -toNumber(v);
          case '+':
            return toNumber(v);
          case '~':
            return ~toNumber(v);
          case 'typeof':
            return typeOf(v) === 'object' && v === null ? 'object' : typeOf(v);
          default:
            return undefined;
        }
      }
      case 'binary': {
        const l = await this.eval(e.left, ctx);
        if (e.op === '&&') return truthy(l) ? this.eval(e.right, ctx) : l;
        if (e.op === '||') return truthy(l) ? l : this.eval(e.right, ctx);
        if (e.op === '??') return l === null || l === undefined ? this.eval(e.right, ctx) : l;
        const r = await this.eval(e.right, ctx);
        return binary(e.op, l, r);
      }
      case 'cond':
        return truthy(await this.eval(e.test, ctx)) ? this.eval(e.then, ctx) : this.eval(e.else, ctx);
      case 'seq': {
        let v: unknown = undefined;
        for (const item of e.items) v = await this.eval(item, ctx);
        return v;
      }
      case 'arrow':
        return new Closure(e.params, e.body, this);
      case 'assign': {
        let value = await this.eval(e.value, ctx);
        if (e.op !== '=') {
          const current = await this.eval(e.target, ctx);
          value = binary(e.op.slice(0, -1), current, value);
        }
        if (e.target.t === 'ident') {
          const b = this.globals.get(e.target.name);
          if (b?.constant || e.target.name === 'db' || e.target.name === 'rs') {
            throw new JsRuntimeError('TypeError', 'Assignment to constant variable.');
          }
          this.globals.set(e.target.name, { value, constant: false });
          return value;
        }
        if (e.target.t === 'member') {
          const obj = await this.eval(e.target.obj, ctx);
          const prop = typeof e.target.prop === 'string' ? e.target.prop : await this.eval(e.target.prop, ctx);
          const key = typeof prop === 'number' ? String(prop) : String(prop);
          if (Array.isArray(obj) && /^[0-9]+$/.test(key)) {
            const index = Number(key);
            if (index > obj.length + 100_000) throw new JsRuntimeError('RangeError', 'Invalid array length');
            obj[index] = value;
            return value;
          }
          if (isPlainObject(obj)) {
            Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
            return value;
          }
          if (obj === null || obj === undefined) {
            throw new JsRuntimeError('TypeError', `Cannot set properties of ${String(obj)} (setting '${key}')`);
          }
          return value;
        }
        throw new JsRuntimeError('SyntaxError', 'Invalid left-hand side in assignment');
      }
    }
  }
}

function truthy(v: unknown): boolean {
  return v !== false && v !== null && v !== undefined && v !== 0 && v !== '' && !Number.isNaN(v);
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === null) return 0;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v);
  if (v instanceof Long || v instanceof Int32) return Number(v.valueOf());
  return NaN;
}

function binary(op: string, l: unknown, r: unknown): unknown {
  switch (op) {
    case '+':
      if (typeof l === 'string' || typeof r === 'string') {
        const s = `${typeof l === 'string' ? l : formatResult(l) || String(l)}${typeof r === 'string' ? r : formatResult(r) || String(r)}`;
        if (s.length > 10_000_000) throw new JsRuntimeError('RangeError', 'Invalid string length');
        return s;
      }
      return toNumber(l) + toNumber(r);
    case '-':
      return toNumber(l) - toNumber(r);
    case '*':
      return toNumber(l) * toNumber(r);
    case '/':
      return toNumber(l) / toNumber(r);
    case '%':
      return toNumber(l) % toNumber(r);
    case '**':
      return toNumber(l) ** toNumber(r);
    case '===':
      return l === r;
    case '!==':
      return l !== r;
    case '==':
      return l === r || (l === null && r === undefined) || (l === undefined && r === null) || (typeof l !== 'object' && typeof r !== 'object' && toNumber(l) === toNumber(r));
    case '!=':
      return !binary('==', l, r);
    case '<':
      return typeof l === 'string' && typeof r === 'string' ? l < r : toNumber(l) < toNumber(r);
    case '>':
      return typeof l === 'string' && typeof r === 'string' ? l > r : toNumber(l) > toNumber(r);
    case '<=':
      return typeof l === 'string' && typeof r === 'string' ? l <= r : toNumber(l) <= toNumber(r);
    case '>=':
      return typeof l === 'string' && typeof r === 'string' ? l >= r : toNumber(l) >= toNumber(r);
    case '&':
      return toNumber(l) & toNumber(r);
    case '|':
      return toNumber(l) | toNumber(r);
    case '^':
      return toNumber(l) ^ toNumber(r);
    case '<<':
      return toNumber(l) << toNumber(r);
    case '>>':
      return toNumber(l) >> toNumber(r);
    case '>>>':
      return toNumber(l) >>> toNumber(r);
    case 'in':
      if (!isPlainObject(r) && !Array.isArray(r)) throw new JsRuntimeError('TypeError', `Cannot use 'in' operator to search for '${String(l)}' in ${formatResult(r)}`);
      return Object.hasOwn(r, String(l));
    case 'instanceof':
      return false;
  }
  throw new JsRuntimeError('SyntaxError', `Unexpected token '${op}'`);
}

/** Turns what mongosh's command line gets into the URI it connects to and prints. */
export function normalizeMongoshUri(arg: string | null): { uri: string; db: string } {
  const suffix = `appName=mongosh+${mongoshVersion}`;
  const local = (db: string): { uri: string; db: string } => ({
    uri: `mongodb://127.0.0.1:27017/${db === 'test' ? '' : db}?directConnection=true&serverSelectionTimeoutMS=2000&${suffix}`,
    db,
  });
  if (arg === null || arg === '') return local('test');
  if (arg.startsWith('mongodb://') || arg.startsWith('mongodb+srv://')) {
    const rest = arg.slice(arg.indexOf('://') + 3);
    const q = rest.indexOf('?');
    const slash = rest.indexOf('/');
    const hostEnd = slash >= 0 && (q < 0 || slash < q) ? slash : q >= 0 ? q : rest.length;
    const hosts = rest.slice(0, hostEnd);
    const path = slash >= 0 && (q < 0 || slash < q) ? rest.slice(slash + 1, q >= 0 ? q : rest.length) : '';
    const query = q >= 0 ? rest.slice(q + 1) : '';
    const params = query.split('&').filter((p) => p !== '');
    const names = params.map((p) => p.split('=')[0]?.toLowerCase());
    if (!hosts.includes(',') && !names.includes('replicaset') && !names.includes('directconnection') && !names.includes('loadbalanced')) {
      params.push('directConnection=true');
    }
    if (!names.includes('appname')) params.push(suffix);
    const scheme = arg.slice(0, arg.indexOf('://') + 3);
    return { uri: `${scheme}${hosts}/${path}?${params.join('&')}`, db: path === '' ? 'test' : decodeURIComponent(path) };
  }
  // `host`, `host:port`, `host/db`, `host:port/db`, or a bare database name.
  const slash = arg.indexOf('/');
  const hostPart = slash >= 0 ? arg.slice(0, slash) : arg;
  const dbPart = slash >= 0 ? arg.slice(slash + 1) : '';
  const looksLikeHost = slash >= 0 || hostPart.includes('.') || hostPart.includes(':') || hostPart === 'localhost';
  if (!looksLikeHost) return local(arg);
  const host = hostPart.includes(':') ? hostPart : `${hostPart}:27017`;
  return { uri: `mongodb://${host}/${dbPart}?directConnection=true&${suffix}`, db: dbPart === '' ? 'test' : dbPart };
}

/** The lines mongosh prints before it connects. */
export function mongoshConnectingBanner(logId: string, uri: string): string {
  return `Current Mongosh Log ID:\t${logId}\nConnecting to:\t\t${uri}\n`;
}

export interface MongoshReplOptions {
  backend: MongoshBackend;
  /** The database from the URI (`test` by default). */
  db?: string;
  sourceLimits?: SourceLimits;
  limits?: MongoshLimits;
}

/** The mongosh prompt from the driver's topology: `foo [direct: primary] test> `. */
export function mongoshPrompt(backend: MongoshBackend, db: string): string {
  const t = backend.topology();
  let topology = '';
  let setName = t.setName;
  switch (t.type) {
    case 'Single': {
      const server = t.servers.length === 1 ? t.servers[0] : undefined;
      if (server !== undefined) {
        const types: Record<string, string> = { Mongos: 'mongos', RSPrimary: 'primary', RSSecondary: 'secondary', RSArbiter: 'arbiter', RSOther: 'other' };
        const type = types[server.type] ?? '';
        setName = server.setName ?? setName;
        topology = type === '' ? '' : `[direct: ${type}]`;
      }
      break;
    }
    case 'ReplicaSetNoPrimary':
      topology = '[secondary]';
      break;
    case 'ReplicaSetWithPrimary':
      topology = '[primary]';
      break;
    case 'Sharded':
      topology = '[mongos]';
      break;
    default:
      setName = null;
  }
  const info = `${setName ? `${setName} ` : ''}${topology}`;
  return `${[info, db].filter((s) => s !== '').join(' ')}> `;
}

export class MongoshRepl implements Repl {
  readonly title = 'mongosh';
  readonly interpreter: MongoshInterpreter;
  private pending: string[] = [];
  private readonly sourceLimits: SourceLimits;
  /** Collection names seen in `show collections`, for completion. */
  private knownCollections: string[] = [];

  constructor(options: MongoshReplOptions) {
    this.sourceLimits = options.sourceLimits ?? defaultSourceLimits;
    this.interpreter = new MongoshInterpreter(options.backend, options.db ?? 'test', options.limits ?? { iterationsMax: 100_000 });
  }

  /** What mongosh prints once connected (after the connecting banner). */
  banner(): string {
    return (
      `Using MongoDB:\t\t${this.interpreter.backend.serverVersion()}\n` +
      `Using Mongosh:\t\t${mongoshVersion}\n\n` +
      'For mongosh info see: https://www.mongodb.com/docs/mongodb-shell/\n\n'
    );
  }

  prompt(): string {
    if (this.pending.length > 0) return '... ';
    try {
      return mongoshPrompt(this.interpreter.backend, this.interpreter.currentDb);
    } catch {
      return `${this.interpreter.currentDb}> `;
    }
  }

  endOfInput(): EndOfInput {
    this.pending = [];
    return { text: '', exit: true };
  }

  /** Closes the connection (the terminal calls it when mongosh exits). */
  async dispose(): Promise<void> {
    await this.interpreter.backend.close().catch(() => undefined);
  }

  complete(line: string, cursor: number): Completion {
    return completeMongosh(line, cursor, this.interpreter, this.knownCollections);
  }

  interrupt(): string {
    const had = this.pending.length > 0;
    this.pending = [];
    return had ? '\n' : '\n(To exit, press Ctrl+C again or Ctrl+D or type .exit)\n';
  }

  async execute(line: string, io: ReplIO): Promise<ReplOutcome> {
    const pendingLength = this.pending.reduce((n, l) => n + l.length + 1, 0);
    if (line.length + pendingLength > this.sourceLimits.sourceLengthMax) {
      this.pending = [];
      io.write(`MongoshInvalidInputError: input too long (${line.length + pendingLength} characters; this lab's mongosh accepts up to ${this.sourceLimits.sourceLengthMax})\n`);
      return {};
    }
    const src = [...this.pending, line].join('\n');
    const ctx: Ctx = {
      signal: io.signal,
      write: (t) => io.write(t),
      call: { signal: io.signal, onProgress: (s: string | null) => io.onProgress?.(s) },
    };
    if (this.pending.length === 0) {
      const shell = await this.shellCommand(line.trim(), ctx);
      if (shell !== null) return shell;
    }
    let stmts: JsStmt[];
    try {
      stmts = parseProgram(src, { nestingDepthMax: this.sourceLimits.nestingDepthMax });
    } catch (e) {
      if (e instanceof JsIncomplete) {
        if (this.pending.length + 1 >= this.sourceLimits.continuationLinesMax) {
          this.pending = [];
          io.write('SyntaxError: Unexpected end of input\n');
          return {};
        }
        this.pending.push(line);
        return { continuation: true };
      }
      this.pending = [];
      if (e instanceof JsSyntaxError) {
        const { line: l, column } = lineColumn(src, e.offset);
        io.write(`SyntaxError: ${e.reason} (${l}:${column})\n\n${codeFrame(src, e.offset)}\n\n`);
        return {};
      }
      if (e instanceof JsUnsupported) {
        io.write(`MongoshUnimplementedError: ${e.message}\n`);
        return {};
      }
      if (e instanceof JsTooDeep) {
        io.write('RangeError: Maximum call stack size exceeded\n');
        return {};
      }
      io.write(`MongoshInternalError: ${e instanceof Error ? e.message : String(e)}\n`);
      return {};
    }
    this.pending = [];
    if (stmts.length === 1) {
      const only = stmts[0];
      if (only?.t === 'expr' && only.e.t === 'call' && only.e.args.length === 0 && only.e.callee.t === 'ident' && ['exit', 'quit'].includes(only.e.callee.name)) {
        return { exit: true };
      }
    }
    try {
      const value = await this.interpreter.run(stmts, src, ctx);
      await this.print(value, ctx);
    } catch (e) {
      io.onProgress?.(null);
      io.write(formatMongoshError(e));
    }
    return {};
  }

  private async print(value: unknown, ctx: Ctx): Promise<void> {
    if (value instanceof Cursor) {
      this.interpreter.lastCursor = value;
      const batch = await value.nextBatch(ctx);
      if (batch.documents.length === 0) return;
      ctx.write(`${formatValue(batch.documents, { fullDepth: true })}${batch.hasMore ? '\nType "it" for more' : ''}\n`);
      return;
    }
    const text = formatResult(value);
    if (text !== '') ctx.write(`${text}\n`);
  }

  /** `use`, `show`, `it`, `exit`, `quit`, `help`: mongosh's shell commands, matched before JS. */
  private async shellCommand(line: string, ctx: Ctx): Promise<ReplOutcome | null> {
    const words = line.replace(/;$/, '').split(/\s+/).filter((w) => w !== '');
    const [cmd, ...args] = words;
    const interp = this.interpreter;
    try {
      switch (cmd) {
        case 'exit':
        case 'quit':
        case '.exit':
          if (args.length === 0) return { exit: true };
          return null;
        case 'help':
          if (args.length === 0) {
            ctx.write(mongoshHelpText);
            return {};
          }
          return null;
        case 'it': {
          if (args.length > 0) return null;
          const cursor = interp.lastCursor;
          if (cursor === null) {
            ctx.write('no cursor\n');
            return {};
          }
          const batch = await abortable(cursor.nextBatch(ctx), ctx.signal);
          if (batch.documents.length === 0) {
            ctx.write('no cursor\n');
            return {};
          }
          ctx.write(`${formatValue(batch.documents, { fullDepth: true })}${batch.hasMore ? '\nType "it" for more' : ''}\n`);
          return {};
        }
        case 'use': {
          if (args.length !== 1) return null;
          const name = args[0] ?? '';
          if (/[/\\. "$]/.test(name) || name.length > 63) {
            throw new JsRuntimeError('MongoshInvalidInputError', `[COMMON-10001] Invalid database name: ${name}`);
          }
          if (name === interp.currentDb) ctx.write(`already on db ${name}\n`);
          else {
            interp.currentDb = name;
            ctx.write(`switched to db ${name}\n`);
          }
          return {};
        }
        case 'show': {
          const what = args[0];
          if (what === undefined) {
            throw new JsRuntimeError('MongoshInvalidInputError', "[COMMON-10001] 'show' requires an argument: dbs, collections");
          }
          if (what === 'dbs' || what === 'databases') {
            const dbs = await abortable(interp.backend.listDatabases(ctx.call), ctx.signal);
            ctx.write(`${textTable(dbs.map((d) => [d.name, formatBytes(d.sizeOnDisk)]), ['l', 'r'])}\n`);
            return {};
          }
          if (what === 'collections' || what === 'tables') {
            const names = await abortable(interp.backend.listCollectionNames(interp.currentDb, ctx.call), ctx.signal);
            this.knownCollections = names.slice(0, 1000);
            if (names.length > 0) ctx.write(`${[...names].sort().join('\n')}\n`);
            return {};
          }
          throw new JsRuntimeError('MongoshInvalidInputError', `[COMMON-10001] '${what.slice(0, 100)}' is not a valid argument for "show".`);
        }
        default:
          return null;
      }
    } catch (e) {
      ctx.write(formatMongoshError(e));
      return {};
    }
  }
}

/** An error as mongosh prints it: `MongoServerError[CodeName]: message`. Never throws. */
export function formatMongoshError(e: unknown): string {
  if (e instanceof MongoshBackendError) return `${e.errorName}${e.codeName ? `[${e.codeName}]` : ''}: ${e.message}\n`;
  if (e instanceof JsRuntimeError) return `${e.errorName}: ${e.message}\n`;
  if (e instanceof InterruptedError) return 'Stopping execution...\n';
  if (e instanceof RangeError) return `RangeError: ${e.message}\n`;
  if (e instanceof Error && e.name === 'BSONError') return `BSONError: ${e.message}\n`;
  return `MongoshInternalError: ${e instanceof Error ? e.message : String(e)}\n`;
}
