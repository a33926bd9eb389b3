/**
 * PyMongo as host objects: the 2010 `Connection` (PyMongo 1.8) and today's `MongoClient`
 * (PyMongo 4), their databases, collections, cursors and results, over a `PyMongoBackend`.
 */
import { ObjectId } from 'bson';
import type { BackendCallContext, BsonDocument, FindOptions, HostPort, PyClientHandle, PyConnectOptions, PyMongoApi, PyMongoBackend } from './backend';
import { PyMongoBackendError, pymongoExceptionNames } from './backend';
import { PyObjectId, documentToBson, fromBson, toBson } from './bsonTypes';
import type { PyImpl } from './objects';
import { PyBoundMethod, PyClass, PyModule, bindArgs, expectNoArgs, requireDict } from './objects';
import type { PyContext, PyDict, PyValue } from './values';
import {
  PyException,
  PyObject,
  dict,
  dictGet,
  dictSet,
  isDict,
  isList,
  isTuple,
  list,
  repr,
  set,
  strRepr,
  tuple,
  typeName,
} from './values';

export interface PyMongoEnv {
  backend: PyMongoBackend;
  /** Clients made in this REPL and not closed yet (closed when the REPL is disposed). */
  readonly openClients: Set<PyClientHandle>;
  /** New ObjectId hex for documents inserted without `_id` (PyMongo makes them client-side). */
  newObjectIdHex(): string;
}

export function defaultObjectIdHex(): string {
  return new ObjectId().toHexString();
}

/** The message PyMongo 4 gives an OperationFailure: `errmsg, full error: {...}`. For backends. */
export function operationFailureMessage(reply: BsonDocument): string {
  const errmsg = typeof reply.errmsg === 'string' ? reply.errmsg : 'unknown error';
  return `${errmsg}, full error: ${repr(fromBson(reply))}`;
}

function callCtx(ctx: PyContext): BackendCallContext {
  return { signal: ctx.signal, onProgress: (s) => ctx.onProgress(s) };
}

/** Runs a backend call, turning its typed errors into PyMongo exceptions. */
async function backendCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof PyMongoBackendError) {
      const cls = e.exceptionName === 'InvalidURI' || e.exceptionName === 'ConfigurationError' ? e.exceptionName : e.exceptionName;
      throw new PyException(`pymongo.errors.${cls}`, e.message);
    }
    throw e;
  }
}

function hostPortTuple(hp: HostPort | null): PyValue {
  return hp === null ? null : tuple([hp.host, BigInt(hp.port)]);
}

const defaultPort = 27017;

/** Parses `h`, `h:p`, `h1,h2`, `[h1, h2]` or a `mongodb://` URI into seeds and URI options. */
export function parseHosts(
  host: PyValue,
  port: PyValue,
  className: string,
): { seeds: HostPort[]; uri: string | null; uriOptions: Map<string, string> } {
  if (port !== null && typeof port !== 'bigint') throw new PyException('TypeError', 'port must be an instance of int');
  const defaultP = port === null ? defaultPort : Number(port);
  let items: string[];
  if (host === null) items = ['localhost'];
  else if (typeof host === 'string') items = [host];
  else if (isList(host) || isTuple(host)) {
    items = host.items.map((h) => {
      if (typeof h !== 'string') throw new PyException('TypeError', 'host must be an instance of str');
      return h;
    });
  } else {
    throw new PyException('TypeError', `${className}() host must be an instance of str or list, not ${typeName(host)}`);
  }
  const seeds: HostPort[] = [];
  let uri: string | null = null;
  const uriOptions = new Map<string, string>();
  for (const item of items) {
    let hosts = item;
    if (item.startsWith('mongodb://')) {
      uri = item;
      const rest = item.slice('mongodb://'.length);
      const slash = rest.indexOf('/');
      const q = rest.indexOf('?');
      const end = slash >= 0 ? slash : q >= 0 ? q : rest.length;
      hosts = rest.slice(0, end);
      const at = hosts.lastIndexOf('@');
      if (at >= 0) hosts = hosts.slice(at + 1);
      if (q >= 0) {
        for (const pair of rest.slice(q + 1).split(/[&;]/)) {
          if (pair === '') continue;
          const eq = pair.indexOf('=');
          if (eq < 0) throw new PyException('pymongo.errors.InvalidURI', `MongoDB URI options are key=value pairs.`);
          uriOptions.set(pair.slice(0, eq), decodeURIComponent(pair.slice(eq + 1)));
        }
      }
      if (hosts === '') throw new PyException('pymongo.errors.InvalidURI', 'Must provide at least one hostname or IP.');
    } else if (item.includes('://')) {
      throw new PyException('pymongo.errors.InvalidURI', "Invalid URI scheme: URI must begin with 'mongodb://' or 'mongodb+srv://'");
    }
    for (const part of hosts.split(',')) {
      const h = part.trim();
      if (h === '') throw new PyException('pymongo.errors.InvalidURI', 'Empty host (or extra comma in host list).');
      const colon = h.lastIndexOf(':');
      if (colon >= 0 && !h.endsWith(']')) {
        const portText = h.slice(colon + 1);
        const n = Number(portText);
        if (!/^[0-9]+$/.test(portText) || n < 1 || n > 65535) {
          throw new PyException('ValueError', `Port must be an integer between 0 and 65535: ${strRepr(portText)}`);
        }
        seeds.push({ host: h.slice(0, colon).toLowerCase(), port: n });
      } else {
        seeds.push({ host: h.toLowerCase(), port: defaultP });
      }
    }
  }
  if (seeds.length === 0) throw new PyException('pymongo.errors.ConfigurationError', 'need to specify at least one host');
  return { seeds, uri, uriOptions };
}

const clientOptionNames: Record<string, keyof PyConnectOptions> = {
  replicaset: 'replicaSet',
  directconnection: 'directConnection',
  serverselectiontimeoutms: 'serverSelectionTimeoutMS',
  connecttimeoutms: 'connectTimeoutMS',
  retryreads: 'retryReads',
  retrywrites: 'retryWrites',
  readpreference: 'readPreference',
};
const ignoredClientOptions = new Set(['document_class', 'tz_aware', 'connect', 'appname', 'w', 'journal', 'socketTimeoutMS'.toLowerCase(), 'maxpoolsize']);

function applyOption(options: PyConnectOptions, rawName: string, value: PyValue | string, fromUri: boolean): void {
  const key = clientOptionNames[rawName.toLowerCase()];
  if (key === undefined) {
    if (ignoredClientOptions.has(rawName.toLowerCase())) return;
    throw new PyException('pymongo.errors.ConfigurationError', `Unknown option ${rawName}`);
  }
  const bool = (v: PyValue | string): boolean => {
    if (typeof v === 'boolean') return v;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new PyException('pymongo.errors.ConfigurationError', `${rawName} must be True or False`);
  };
  const int = (v: PyValue | string): number => {
    if (typeof v === 'bigint' || typeof v === 'number') return Number(v);
    if (typeof v === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(v)) return Number(v);
    throw new PyException('pymongo.errors.ConfigurationError', `${rawName} must be an integer or float`);
  };
  switch (key) {
    case 'replicaSet':
      if (typeof value !== 'string') throw new PyException('TypeError', `Wrong type for ${rawName}, value must be an instance of str`);
      options.replicaSet = value;
      return;
    case 'directConnection':
    case 'retryReads':
    case 'retryWrites':
      options[key] = bool(value);
      return;
    case 'serverSelectionTimeoutMS':
    case 'connectTimeoutMS':
      options[key] = int(value);
      return;
    case 'readPreference': {
      const mode = value instanceof PyReadPreference ? value.mode : value;
      const modes = ['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'];
      if (typeof mode !== 'string' || !modes.includes(mode)) {
        throw new PyException('pymongo.errors.ConfigurationError', `${fromUri ? repr(String(mode)) : repr(mode as PyValue)} is not a valid read preference`);
      }
      options.readPreference = mode;
      return;
    }
    default:
      return;
  }
}

/** `Connection(...)` (PyMongo 1.8) and `MongoClient(...)` (PyMongo 4) constructors. */
export function makeClientClass(env: PyMongoEnv, api: PyMongoApi): PyClass {
  const name = api === 'connection-1.8' ? 'Connection' : 'MongoClient';
  const qualified = api === 'connection-1.8' ? 'pymongo.connection.Connection' : 'pymongo.mongo_client.MongoClient';
  const construct: PyImpl = async (args, kwargs, ctx) => {
    const known = api === 'connection-1.8'
      ? ['slave_okay', 'network_timeout', 'document_class', 'tz_aware', 'pool_size', 'auto_start_request', 'timeout']
      : [];
    const bound = bindArgs(
      { fname: `${name}.__init__`, params: ['host', 'port'], keywords: known, anyKeywords: api === 'mongo-client' },
      args,
      kwargs,
    );
    const parsed = parseHosts(bound.get('host') ?? null, bound.get('port') ?? null, name);
    const options: PyConnectOptions = { api, seeds: parsed.seeds, uri: parsed.uri };
    const shownOptions: Array<[string, PyValue]> = [];
    if (api === 'connection-1.8') {
      const slaveOkay = bound.get('slave_okay') ?? false;
      if (slaveOkay !== false && slaveOkay !== null) {
        if (parsed.seeds.length > 1) {
          throw new PyException('pymongo.errors.ConfigurationError', 'cannot specify slave_okay for a paired or replica set connection');
        }
        options.slaveOkay = true;
      }
      for (const [k, v] of parsed.uriOptions) {
        if (k.toLowerCase() === 'slaveok') options.slaveOkay = v === 'true';
      }
    } else {
      for (const [k, v] of parsed.uriOptions) applyOption(options, k, v, true);
      for (const [k, v] of kwargs) {
        applyOption(options, k, v, false);
        if (!['document_class', 'tz_aware', 'connect'].includes(k)) shownOptions.push([k.toLowerCase(), v]);
      }
    }
    const handle = await backendCall(() => env.backend.connect(options, callCtx(ctx)));
    env.openClients.add(handle);
    return new PyClient(env, api, handle, parsed.seeds, shownOptions);
  };
  return new PyClass(name, qualified, construct);
}

export class PyClient extends PyObject {
  readonly typeName: string;
  private closed = false;
  constructor(
    readonly env: PyMongoEnv,
    readonly api: PyMongoApi,
    readonly handle: PyClientHandle,
    private readonly seeds: HostPort[],
    private readonly shownOptions: Array<[string, PyValue]>,
  ) {
    super();
    this.typeName = api === 'connection-1.8' ? 'Connection' : 'MongoClient';
  }
  override get qualifiedTypeName(): string {
    return this.api === 'connection-1.8' ? 'pymongo.connection.Connection' : 'pymongo.mongo_client.MongoClient';
  }
  repr(): string {
    const hosts = this.seeds.map((s) => `${s.host}:${s.port}`);
    if (this.api === 'connection-1.8') {
      const first = this.seeds[0];
      if (this.seeds.length === 1 && first) return `Connection(${strRepr(first.host)}, ${first.port})`;
      return `Connection(${repr(list(hosts))})`;
    }
    const extra = this.shownOptions.map(([k, v]) => `, ${k}=${repr(v)}`).join('');
    return `MongoClient(host=${repr(list(hosts))}, document_class=dict, tz_aware=False, connect=True${extra})`;
  }
  override attributeNames(): string[] {
    return this.api === 'connection-1.8'
      ? ['admin', 'close', 'database_names', 'disconnect', 'host', 'nodes', 'port', 'server_info', 'slave_okay']
      : ['address', 'admin', 'arbiters', 'close', 'get_database', 'is_primary', 'list_database_names', 'nodes', 'primary', 'secondaries', 'server_info'];
  }
  database(name: PyValue): PyDatabase {
    if (typeof name !== 'string') throw new PyException('TypeError', `name must be an instance of str`);
    if (name === '') throw new PyException('pymongo.errors.InvalidName', 'database name cannot be the empty string');
    for (const ch of [' ', '.', '$', '/', '\\', '\0', '"']) {
      if (name.includes(ch)) throw new PyException('pymongo.errors.InvalidName', `database names cannot contain the character ${strRepr(ch)}`);
    }
    return new PyDatabase(this, name);
  }
  private method(name: string, impl: PyImpl): PyBoundMethod {
    return new PyBoundMethod(this, name, impl);
  }
  override getItem(key: PyValue): PyValue {
    return this.database(key);
  }
  override getAttr(name: string, ctx: PyContext): PyValue | Promise<PyValue> | undefined {
    const b = this.env.backend;
    const common = this.commonAttr(name);
    if (common !== undefined) return common;
    if (this.api === 'connection-1.8') {
      switch (name) {
        case 'host':
          return backendCall(() => b.address(this.handle, callCtx(ctx))).then((a) => a?.host ?? null);
        case 'port':
          return backendCall(() => b.address(this.handle, callCtx(ctx))).then((a) => (a === null ? null : BigInt(a.port)));
        case 'nodes':
          return set(b.topology(this.handle).nodes.map(hostPortTuple));
        case 'slave_okay':
          return false;
        case 'database_names':
          return this.method(name, (args, kwargs, c) => {
            expectNoArgs('database_names', args, kwargs);
            return backendCall(() => b.listDatabaseNames(this.handle, callCtx(c))).then((names) => list(names));
          });
        case 'disconnect':
          return this.method(name, (args, kwargs) => {
            expectNoArgs('disconnect', args, kwargs);
            return null;
          });
      }
    } else {
      switch (name) {
        case 'address':
          return backendCall(() => b.address(this.handle, callCtx(ctx))).then(hostPortTuple);
        case 'primary':
          return hostPortTuple(b.topology(this.handle).primary);
        case 'secondaries':
          return set(b.topology(this.handle).secondaries.map(hostPortTuple));
        case 'arbiters':
          return set(b.topology(this.handle).arbiters.map(hostPortTuple));
        case 'nodes':
          return set(b.topology(this.handle).nodes.map(hostPortTuple), true);
        case 'is_primary':
          return backendCall(() => b.address(this.handle, callCtx(ctx))).then(() => b.topology(this.handle).primary !== null);
        case 'list_database_names':
          return this.method(name, (args, kwargs, c) => {
            expectNoArgs('MongoClient.list_database_names', args, kwargs);
            return backendCall(() => b.listDatabaseNames(this.handle, callCtx(c))).then((names) => list(names));
          });
        case 'get_database':
          return this.method(name, (args, kwargs) => {
            const bound = bindArgs({ fname: 'MongoClient.get_database', params: ['name'], anyKeywords: true }, args, kwargs);
            return this.database(bound.get('name') ?? 'test');
          });
      }
      if (name.startsWith('_')) {
        throw new PyException('AttributeError', `MongoClient has no attribute ${strRepr(name)}. To access the ${name} database, use client[${strRepr(name)}].`);
      }
    }
    if (name.startsWith('__')) return undefined;
    return this.database(name);
  }
  private commonAttr(name: string): PyValue | undefined {
    switch (name) {
      case 'admin':
        return this.database('admin');
      case 'close':
        return this.method(name, async (args, kwargs) => {
          expectNoArgs(`${this.typeName}.close`, args, kwargs);
          if (!this.closed) {
            this.closed = true;
            this.env.openClients.delete(this.handle);
            await backendCall(() => this.env.backend.close(this.handle));
          }
          return null;
        });
      case 'server_info':
        return this.method(name, async (args, kwargs, ctx) => {
          expectNoArgs(`${this.typeName}.server_info`, args, kwargs);
          const reply = await backendCall(() => this.env.backend.runCommand(this.handle, 'admin', { buildinfo: 1 }, callCtx(ctx)));
          return fromBson(reply);
        });
      default:
        return undefined;
    }
  }
}

function notCallable(kind: 'Database' | 'Collection', name: string, owner: string): PyException {
  return new PyException(
    'TypeError',
    `'${kind}' object is not callable. If you meant to call the '${name}' method on a '${owner}' object it is failing because no such method exists.`,
  );
}

export class PyDatabase extends PyObject {
  readonly typeName = 'Database';
  override get qualifiedTypeName(): string {
    return 'pymongo.database.Database';
  }
  constructor(
    readonly client: PyClient,
    readonly name: string,
  ) {
    super();
  }
  repr(): string {
    return `Database(${this.client.repr()}, ${strRepr(this.name)})`;
  }
  override attributeNames(): string[] {
    return this.client.api === 'connection-1.8'
      ? ['collection_names', 'command', 'connection', 'name']
      : ['client', 'command', 'get_collection', 'list_collection_names', 'name'];
  }
  collection(name: PyValue): PyCollection {
    if (typeof name !== 'string') throw new PyException('TypeError', 'name must be an instance of str');
    if (name === '') throw new PyException('pymongo.errors.InvalidName', 'collection names cannot be empty');
    if (name.includes('$')) throw new PyException('pymongo.errors.InvalidName', "collection names must not contain '$'");
    if (name.startsWith('.') || name.endsWith('.')) {
      throw new PyException('pymongo.errors.InvalidName', "collection names must not start or end with '.'");
    }
    return new PyCollection(this, name);
  }
  override call(): never {
    throw notCallable('Database', this.name, this.client.api === 'connection-1.8' ? 'Connection' : 'MongoClient');
  }
  override getItem(key: PyValue): PyValue {
    return this.collection(key);
  }
  override getAttr(name: string): PyValue | undefined {
    const b = this.client.env.backend;
    const handle = this.client.handle;
    switch (name) {
      case 'name':
        return this.name;
      case 'command':
        return new PyBoundMethod(this, name, async (args, kwargs, ctx) => {
          if (args.length === 0) throw new PyException('TypeError', "Database.command() missing 1 required positional argument: 'command'");
          const [command, value] = args;
          let cmd: PyDict;
          if (typeof command === 'string') {
            cmd = dict([[command, args.length > 1 ? (value ?? null) : 1n]]);
          } else if (command !== undefined && isDict(command)) {
            cmd = command;
          } else {
            throw new PyException('TypeError', `command must be an instance of str, not ${typeName(command ?? null)}`);
          }
          const merged = dict([...cmd.entries.values()].map((e) => [e.key, e.value]));
          for (const [k, v] of kwargs) {
            if (k === 'check' || k === 'allowable_errors' || k === 'read_preference' || k === 'codec_options' || k === 'session') continue;
            dictSet(merged, k, v);
          }
          const check = kwargs.get('check');
          const reply = await backendCall(() => b.runCommand(handle, this.name, toBson(merged, ctx) as BsonDocument, callCtx(ctx)));
          const okValue = reply.ok;
          const okNumber = typeof okValue === 'object' && okValue !== null && 'valueOf' in okValue ? Number(okValue.valueOf()) : Number(okValue);
          if (okNumber !== 1 && check !== false) {
            throw new PyException('pymongo.errors.OperationFailure', operationFailureMessage(reply));
          }
          return fromBson(reply);
        });
    }
    if (this.client.api === 'connection-1.8') {
      if (name === 'connection') return this.client;
      if (name === 'collection_names') {
        return new PyBoundMethod(this, name, (args, kwargs, ctx) => {
          expectNoArgs('collection_names', args, kwargs);
          return backendCall(() => b.listCollectionNames(handle, this.name, callCtx(ctx))).then((n) => list(n));
        });
      }
    } else {
      if (name === 'client') return this.client;
      if (name === 'list_collection_names') {
        return new PyBoundMethod(this, name, (args, kwargs, ctx) => {
          expectNoArgs('Database.list_collection_names', args, kwargs);
          return backendCall(() => b.listCollectionNames(handle, this.name, callCtx(ctx))).then((n) => list(n));
        });
      }
      if (name === 'get_collection') {
        return new PyBoundMethod(this, name, (args, kwargs) => {
          const bound = bindArgs({ fname: 'Database.get_collection', params: ['name'], required: 1, anyKeywords: true }, args, kwargs);
          return this.collection(bound.get('name') ?? null);
        });
      }
      if (name.startsWith('_')) {
        throw new PyException('AttributeError', `Database has no attribute ${strRepr(name)}. To access the ${name} collection, use database[${strRepr(name)}].`);
      }
    }
    if (name.startsWith('__')) return undefined;
    return this.collection(name);
  }
}

export class PyCollection extends PyObject {
  readonly typeName = 'Collection';
  override get qualifiedTypeName(): string {
    return 'pymongo.collection.Collection';
  }
  constructor(
    readonly database: PyDatabase,
    readonly name: string,
  ) {
    super();
  }
  get ns(): { db: string; collection: string } {
    return { db: this.database.name, collection: this.name };
  }
  repr(): string {
    return `Collection(${this.database.repr()}, ${strRepr(this.name)})`;
  }
  override attributeNames(): string[] {
    const common = ['count_documents', 'database', 'delete_one', 'find', 'find_one', 'full_name', 'insert_many', 'insert_one', 'name', 'update_one'];
    return this.database.client.api === 'connection-1.8' ? [...common, 'insert', 'save'].sort() : common;
  }
  override call(): never {
    if (!this.name.includes('.')) throw notCallable('Collection', this.name, 'Database');
    throw notCallable('Collection', this.name.split('.').at(-1) ?? this.name, 'Collection');
  }
  override getItem(key: PyValue): PyValue {
    if (typeof key !== 'string') throw new PyException('TypeError', 'name must be an instance of str');
    return this.database.collection(`${this.name}.${key}`);
  }
  private get backend(): PyMongoBackend {
    return this.database.client.env.backend;
  }
  private get handle(): PyClientHandle {
    return this.database.client.handle;
  }
  private m(name: string, impl: PyImpl): PyBoundMethod {
    return new PyBoundMethod(this, name, impl);
  }
  /** Adds `_id` to a dict that has none, as PyMongo does (the caller's dict changes too). */
  private ensureId(doc: PyDict): PyValue {
    const existing = dictGet(doc, '_id');
    if (existing !== undefined) return existing;
    const id = new PyObjectId(this.database.client.env.newObjectIdHex());
    dictSet(doc, '_id', id);
    return id;
  }
  private filterOf(value: PyValue | undefined, ctx: PyContext, idShortcut: boolean): BsonDocument {
    if (value === undefined || value === null) return {};
    if (!isDict(value)) {
      if (idShortcut) return { _id: toBson(value, ctx) };
      requireDict(value, 'filter');
    }
    return toBson(value, ctx) as BsonDocument;
  }
  override getAttr(name: string): PyValue | undefined {
    const old = this.database.client.api === 'connection-1.8';
    switch (name) {
      case 'name':
        return this.name;
      case 'full_name':
        return `${this.database.name}.${this.name}`;
      case 'database':
        return this.database;
      case 'insert_one':
        return this.m(name, async (args, kwargs, ctx) => {
          const bound = bindArgs({ fname: 'Collection.insert_one', params: ['document', 'bypass_document_validation', 'session'], required: 1, keywords: ['comment'] }, args, kwargs);
          const doc = bound.get('document') ?? null;
          if (!isDict(doc)) {
            throw new PyException(
              'TypeError',
              'document must be an instance of dict, bson.son.SON, bson.raw_bson.RawBSONDocument, or a type that inherits from collections.MutableMapping',
            );
          }
          const id = this.ensureId(doc);
          const result = await backendCall(() => this.backend.insertOne(this.handle, this.ns, documentToBson(doc, ctx), callCtx(ctx)));
          return new PyResult('InsertOneResult', { inserted_id: id, acknowledged: result.acknowledged });
        });
      case 'insert_many':
        return this.m(name, async (args, kwargs, ctx) => {
          const bound = bindArgs({ fname: 'Collection.insert_many', params: ['documents', 'ordered', 'bypass_document_validation', 'session'], required: 1, keywords: ['comment'] }, args, kwargs);
          const docs = bound.get('documents') ?? null;
          if (!isList(docs) && !isTuple(docs)) throw new PyException('TypeError', 'documents must be a non-empty list');
          if (docs.items.length === 0) throw new PyException('TypeError', 'documents must be a non-empty list');
          const ids: PyValue[] = [];
          const encoded: BsonDocument[] = [];
          for (const doc of docs.items) {
            if (!isDict(doc)) {
              throw new PyException('TypeError', 'document must be an instance of dict, bson.son.SON, bson.raw_bson.RawBSONDocument, or a type that inherits from collections.MutableMapping');
            }
            ids.push(this.ensureId(doc));
            encoded.push(documentToBson(doc, ctx));
          }
          const ordered = bound.get('ordered');
          const result = await backendCall(() => this.backend.insertMany(this.handle, this.ns, encoded, ordered !== false, callCtx(ctx)));
          return new PyResult('InsertManyResult', { inserted_ids: list(ids), acknowledged: result.acknowledged });
        });
      case 'find_one':
        return this.m(name, async (args, kwargs, ctx) => {
          const bound = bindArgs({ fname: 'Collection.find_one', params: ['filter', 'projection', 'skip', 'limit'], keywords: ['sort'] }, args, kwargs);
          const options = findOptions(bound, ctx);
          const doc = await backendCall(() => this.backend.findOne(this.handle, this.ns, this.filterOf(bound.get('filter'), ctx, true), options, callCtx(ctx)));
          return doc === null ? null : fromBson(doc);
        });
      case 'find':
        return this.m(name, (args, kwargs, ctx) => {
          const bound = bindArgs({ fname: 'Cursor.__init__', params: ['filter', 'projection', 'skip', 'limit'], keywords: ['sort'] }, args, kwargs);
          return new PyCursor(this, this.filterOf(bound.get('filter'), ctx, false), findOptions(bound, ctx));
        });
      case 'update_one':
        return this.m(name, async (args, kwargs, ctx) => {
          const bound = bindArgs({ fname: 'Collection.update_one', params: ['filter', 'update', 'upsert'], required: 2, keywords: ['session', 'comment'] }, args, kwargs);
          const filter = bound.get('filter') ?? null;
          requireDict(filter, 'filter');
          const update = bound.get('update') ?? null;
          if (isDict(update)) {
            const first = [...update.entries.values()][0];
            if (first === undefined) throw new PyException('ValueError', 'update cannot be empty');
            if (typeof first.key !== 'string' || !first.key.startsWith('$')) throw new PyException('ValueError', 'update only works with $ operators');
          } else if (!isList(update)) {
            requireDict(update, 'update');
          }
          const upsert = bound.get('upsert') === true;
          const r = await backendCall(() =>
            this.backend.updateOne(this.handle, this.ns, toBson(filter, ctx) as BsonDocument, toBson(update, ctx) as BsonDocument, { upsert }, callCtx(ctx)),
          );
          return new PyResult('UpdateResult', {
            matched_count: BigInt(r.matchedCount),
            modified_count: BigInt(r.modifiedCount),
            upserted_id: r.upsertedId === null || r.upsertedId === undefined ? null : fromBson(r.upsertedId),
            acknowledged: r.acknowledged,
            raw_result: dict([
              ['n', BigInt(r.matchedCount + (r.upsertedId === null || r.upsertedId === undefined ? 0 : 1))],
              ['nModified', BigInt(r.modifiedCount)],
              ['ok', 1.0],
              ['updatedExisting', r.matchedCount > 0],
            ]),
          });
        });
      case 'delete_one':
        return this.m(name, async (args, kwargs, ctx) => {
          const bound = bindArgs({ fname: 'Collection.delete_one', params: ['filter'], required: 1, keywords: ['session', 'comment', 'hint', 'let', 'collation'] }, args, kwargs);
          const filter = bound.get('filter') ?? null;
          requireDict(filter, 'filter');
          const r = await backendCall(() => this.backend.deleteOne(this.handle, this.ns, toBson(filter, ctx) as BsonDocument, callCtx(ctx)));
          return new PyResult('DeleteResult', {
            deleted_count: BigInt(r.deletedCount),
            acknowledged: r.acknowledged,
            raw_result: dict([['n', BigInt(r.deletedCount)], ['ok', 1.0]]),
          });
        });
      case 'count_documents':
        return this.m(name, async (args, kwargs, ctx) => {
          const bound = bindArgs({ fname: 'Collection.count_documents', params: ['filter', 'session'], required: 1, keywords: ['limit', 'skip', 'comment'] }, args, kwargs);
          const filter = bound.get('filter') ?? null;
          requireDict(filter, 'filter');
          const n = await backendCall(() => this.backend.countDocuments(this.handle, this.ns, toBson(filter, ctx) as BsonDocument, callCtx(ctx)));
          return BigInt(n);
        });
    }
    if (old && (name === 'save' || name === 'insert')) {
      return this.m(name, async (args, kwargs, ctx) => {
        const bound = bindArgs({ fname: name, params: ['to_save'], required: 1, keywords: ['safe', 'manipulate', 'check_keys'] }, args, kwargs);
        const doc = bound.get('to_save') ?? null;
        if (isList(doc) && name === 'insert') {
          const ids: PyValue[] = [];
          for (const d of doc.items) {
            if (!isDict(d)) throw new PyException('TypeError', 'document must be an instance of dict');
            ids.push(this.ensureId(d));
          }
          await backendCall(() => this.backend.insertMany(this.handle, this.ns, doc.items.map((d) => documentToBson(d, ctx)), true, callCtx(ctx)));
          return list(ids);
        }
        if (!isDict(doc)) throw new PyException('TypeError', `cannot save object of type ${typeName(doc)}`);
        const id = this.ensureId(doc);
        if (name === 'save') await backendCall(() => this.backend.save(this.handle, this.ns, documentToBson(doc, ctx), callCtx(ctx)));
        else await backendCall(() => this.backend.insertOne(this.handle, this.ns, documentToBson(doc, ctx), callCtx(ctx)));
        return id;
      });
    }
    if (name.startsWith('__')) return undefined;
    if (!old && name.startsWith('_')) {
      throw new PyException('AttributeError', `Collection has no attribute ${strRepr(name)}. To access the ${this.name}.${name} collection, use database['${this.name}.${name}'].`);
    }
    return this.database.collection(`${this.name}.${name}`);
  }
}

function findOptions(bound: Map<string, PyValue>, ctx: PyContext): FindOptions {
  const options: FindOptions = {};
  const projection = bound.get('projection');
  if (projection !== undefined && projection !== null) {
    if (isDict(projection)) options.projection = toBson(projection, ctx) as BsonDocument;
    else if (isList(projection) || isTuple(projection)) {
      const p: BsonDocument = {};
      for (const f of projection.items) {
        if (typeof f !== 'string') throw new PyException('TypeError', 'projection must be a list of key names');
        p[f] = 1;
      }
      options.projection = p;
    } else {
      throw new PyException('TypeError', 'projection must be an instance of dict, list, or tuple');
    }
  }
  const skip = bound.get('skip');
  if (skip !== undefined) {
    if (typeof skip !== 'bigint') throw new PyException('TypeError', 'skip must be an instance of int');
    if (skip < 0n) throw new PyException('ValueError', 'skip must be >= 0');
    options.skip = Number(skip);
  }
  const limit = bound.get('limit');
  if (limit !== undefined) {
    if (typeof limit !== 'bigint') throw new PyException('TypeError', 'limit must be an instance of int');
    options.limit = Number(limit);
  }
  const sort = bound.get('sort');
  if (sort !== undefined && sort !== null) options.sort = sortSpec(sort);
  return options;
}

function sortSpec(key: PyValue, direction: PyValue = 1n): BsonDocument {
  if (typeof key === 'string') {
    if (typeof direction !== 'bigint' || (direction !== 1n && direction !== -1n)) {
      throw new PyException('ValueError', 'bad sort specification');
    }
    return { [key]: Number(direction) };
  }
  if (isList(key) || isTuple(key)) {
    const out: BsonDocument = {};
    for (const item of key.items) {
      if (!isTuple(item) && !isList(item)) throw new PyException('TypeError', 'if no direction is specified, key_or_list must be an instance of list');
      const [k, d] = item.items;
      if (typeof k !== 'string') throw new PyException('TypeError', 'first item in each key pair must be an instance of str');
      Object.assign(out, sortSpec(k, d ?? 1n));
    }
    return out;
  }
  throw new PyException('TypeError', 'if no direction is specified, key_or_list must be an instance of list');
}

/** `find()`'s cursor: lazy; the query runs when it is first iterated. */
export class PyCursor extends PyObject {
  readonly typeName = 'Cursor';
  private consumed = false;
  constructor(
    private readonly collection: PyCollection,
    private readonly filter: BsonDocument,
    private readonly options: FindOptions,
  ) {
    super();
  }
  override get qualifiedTypeName(): string {
    return 'pymongo.cursor.Cursor';
  }
  repr(): string {
    return `<pymongo.cursor.Cursor object at ${addressFor(this)}>`;
  }
  override attributeNames(): string[] {
    const names = ['collection', 'limit', 'next', 'skip', 'sort'];
    return this.collection.database.client.api === 'connection-1.8' ? [...names, 'count'].sort() : names;
  }
  override async iterate(ctx: PyContext): Promise<PyValue[]> {
    if (this.consumed) return [];
    this.consumed = true;
    const client = this.collection.database.client;
    const docs = await backendCall(() => client.env.backend.find(client.handle, this.collection.ns, this.filter, this.options, callCtx(ctx)));
    return docs.map((d) => fromBson(d));
  }
  private checkFresh(): void {
    if (this.consumed) throw new PyException('pymongo.errors.InvalidOperation', 'cannot set options after executing query');
  }
  override getAttr(name: string): PyValue | undefined {
    switch (name) {
      case 'collection':
        return this.collection;
      case 'limit':
        return new PyBoundMethod(this, name, (args, kwargs) => {
          const b = bindArgs({ fname: 'Cursor.limit', params: ['limit'], required: 1 }, args, kwargs);
          const n = b.get('limit');
          if (typeof n !== 'bigint') throw new PyException('TypeError', 'limit must be an integer');
          this.checkFresh();
          this.options.limit = Number(n);
          return this;
        });
      case 'skip':
        return new PyBoundMethod(this, name, (args, kwargs) => {
          const b = bindArgs({ fname: 'Cursor.skip', params: ['skip'], required: 1 }, args, kwargs);
          const n = b.get('skip');
          if (typeof n !== 'bigint') throw new PyException('TypeError', 'skip must be an integer');
          if (n < 0n) throw new PyException('ValueError', 'skip must be >= 0');
          this.checkFresh();
          this.options.skip = Number(n);
          return this;
        });
      case 'sort':
        return new PyBoundMethod(this, name, (args, kwargs) => {
          const b = bindArgs({ fname: 'Cursor.sort', params: ['key_or_list', 'direction'], required: 1 }, args, kwargs);
          this.checkFresh();
          this.options.sort = sortSpec(b.get('key_or_list') ?? null, b.get('direction') ?? 1n);
          return this;
        });
      case 'next':
        return new PyBoundMethod(this, name, async (args, kwargs, ctx) => {
          expectNoArgs('Cursor.next', args, kwargs);
          if (this.consumed) throw new PyException('StopIteration', '');
          const docs = await this.iterate(ctx);
          const first = docs[0];
          if (first === undefined) throw new PyException('StopIteration', '');
          return first;
        });
      case 'count':
        if (this.collection.database.client.api !== 'connection-1.8') return undefined;
        return new PyBoundMethod(this, name, async (args, kwargs, ctx) => {
          expectNoArgs('count', args, kwargs);
          const client = this.collection.database.client;
          const n = await backendCall(() => client.env.backend.countDocuments(client.handle, this.collection.ns, this.filter, callCtx(ctx)));
          return BigInt(n);
        });
    }
    return undefined;
  }
}

/** Fake but stable `0x7f...` addresses for `<... object at 0x...>` reprs. */
const addresses = new WeakMap<object, string>();
let nextAddress = 0x7f3c_9a2b_4d10;
export function addressFor(obj: object): string {
  let a = addresses.get(obj);
  if (a === undefined) {
    a = `0x${nextAddress.toString(16)}`;
    nextAddress += 0x1d0;
    addresses.set(obj, a);
  }
  return a;
}

export class PyResult extends PyObject {
  constructor(
    readonly typeName: string,
    private readonly fields: Record<string, PyValue>,
  ) {
    super();
  }
  override get qualifiedTypeName(): string {
    return `pymongo.results.${this.typeName}`;
  }
  repr(): string {
    return `<pymongo.results.${this.typeName} object at ${addressFor(this)}>`;
  }
  override attributeNames(): string[] {
    return Object.keys(this.fields).sort();
  }
  override getAttr(name: string): PyValue | undefined {
    return Object.hasOwn(this.fields, name) ? this.fields[name] : undefined;
  }
}

export class PyReadPreference extends PyObject {
  readonly typeName: string;
  constructor(
    readonly mode: string,
    className: string,
  ) {
    super();
    this.typeName = className;
  }
  override get qualifiedTypeName(): string {
    return `pymongo.read_preferences.${this.typeName}`;
  }
  repr(): string {
    return this.mode === 'primary' ? 'Primary()' : `${this.typeName}(tag_sets=None, max_staleness=-1, hedge=None)`;
  }
  override getAttr(name: string): PyValue | undefined {
    if (name === 'mode') return BigInt(['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'].indexOf(this.mode));
    if (name === 'name') return this.typeName;
    return undefined;
  }
}

const readPreferenceClass = new PyClass(
  'ReadPreference',
  'pymongo.read_preferences.ReadPreference',
  null,
  new Map<string, PyValue>([
    ['PRIMARY', new PyReadPreference('primary', 'Primary')],
    ['PRIMARY_PREFERRED', new PyReadPreference('primaryPreferred', 'PrimaryPreferred')],
    ['SECONDARY', new PyReadPreference('secondary', 'Secondary')],
    ['SECONDARY_PREFERRED', new PyReadPreference('secondaryPreferred', 'SecondaryPreferred')],
    ['NEAREST', new PyReadPreference('nearest', 'Nearest')],
  ]),
);

const exceptionParents: Record<string, string> = {
  PyMongoError: 'Exception',
  ConnectionFailure: 'PyMongoError',
  AutoReconnect: 'ConnectionFailure',
  NetworkTimeout: 'AutoReconnect',
  NotPrimaryError: 'AutoReconnect',
  ServerSelectionTimeoutError: 'AutoReconnect',
  ConfigurationError: 'PyMongoError',
  InvalidURI: 'ConfigurationError',
  OperationFailure: 'PyMongoError',
  WriteError: 'OperationFailure',
  WriteConcernError: 'OperationFailure',
  DuplicateKeyError: 'WriteError',
  BulkWriteError: 'OperationFailure',
  ExecutionTimeout: 'OperationFailure',
  InvalidOperation: 'PyMongoError',
  InvalidName: 'PyMongoError',
};

/** The `pymongo`, `pymongo.errors` and `bson` modules. */
export function makeModules(env: PyMongoEnv): Map<string, PyModule> {
  const errors = new Map<string, PyValue>();
  for (const name of [...pymongoExceptionNames, 'InvalidName']) {
    errors.set(name, new PyClass(name, `pymongo.errors.${name}`, (args) => {
      void exceptionParents;
      return new PyExceptionValue(`pymongo.errors.${name}`, args);
    }));
  }
  const errorsModule = new PyModule('pymongo.errors', errors, '/usr/lib/python3/dist-packages/pymongo/errors.py');
  const objectIdClass = new PyClass('ObjectId', 'bson.objectid.ObjectId', (args, kwargs) => {
    const b = bindArgs({ fname: 'ObjectId.__init__', params: ['oid'] }, args, kwargs);
    const oid = b.get('oid');
    if (oid === undefined || oid === null) return new PyObjectId(env.newObjectIdHex());
    if (oid instanceof PyObjectId) return oid;
    if (typeof oid === 'string') {
      if (!/^[0-9a-fA-F]{24}$/.test(oid)) {
        throw new PyException('bson.errors.InvalidId', `${strRepr(oid)} is not a valid ObjectId, it must be a 12-byte input or a 24-character hex string`);
      }
      return new PyObjectId(oid.toLowerCase());
    }
    throw new PyException('TypeError', `id must be an instance of (str, bytes, ObjectId), not ${typeName(oid)}`);
  });
  const pymongo = new PyModule(
    'pymongo',
    new Map<string, PyValue>([
      ['MongoClient', makeClientClass(env, 'mongo-client')],
      ['Connection', makeClientClass(env, 'connection-1.8')],
      ['ReadPreference', readPreferenceClass],
      ['ASCENDING', 1n],
      ['DESCENDING', -1n],
      ['errors', errorsModule],
      ['version', '4.10.1'],
    ]),
    '/usr/lib/python3/dist-packages/pymongo/__init__.py',
  );
  const objectidModule = new PyModule('bson.objectid', new Map([['ObjectId', objectIdClass]]), '/usr/lib/python3/dist-packages/bson/objectid.py');
  const bson = new PyModule(
    'bson',
    new Map<string, PyValue>([
      ['ObjectId', objectIdClass],
      ['objectid', objectidModule],
    ]),
    '/usr/lib/python3/dist-packages/bson/__init__.py',
  );
  return new Map([
    ['pymongo', pymongo],
    ['pymongo.errors', errorsModule],
    ['bson', bson],
    ['bson.objectid', objectidModule],
  ]);
}

/** An exception instance made by calling an exception class (`AutoReconnect('x')`). */
export class PyExceptionValue extends PyObject {
  readonly typeName: string;
  constructor(
    readonly qualifiedName: string,
    readonly args: PyValue[],
  ) {
    super();
    this.typeName = qualifiedName.split('.').at(-1) ?? qualifiedName;
  }
  repr(): string {
    return `${this.typeName}(${this.args.map((a) => repr(a)).join(', ')})`;
  }
}
