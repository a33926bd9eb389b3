import { Double } from 'bson';
import type { BackendCallContext, BsonDocument, HostPort, PyClientHandle, PyConnectOptions, PyMongoBackend } from '../../../src/shell/python/backend';
import type { PyMongoBackendError } from '../../../src/shell/python/backend';

/** An in-memory replica set for the REPL tests: one primary, documents by namespace. */
export class FakePyMongoBackend implements PyMongoBackend {
  readonly collections = new Map<string, BsonDocument[]>();
  readonly commands: Array<{ db: string; command: BsonDocument }> = [];
  readonly connects: PyConnectOptions[] = [];
  members: HostPort[] = [
    { host: 'morton.local', port: 27017 },
    { host: 'morton.local', port: 27018 },
    { host: 'morton.local', port: 27019 },
  ];
  primary: HostPort | null = { host: 'morton.local', port: 27017 };
  /** When set, every operation throws this. */
  failWith: PyMongoBackendError | null = null;
  /** When set, operations wait until the signal aborts. */
  hang = false;
  private nextId = 1;

  private async op<T>(ctx: BackendCallContext, run: () => T): Promise<T> {
    if (this.hang) {
      ctx.onProgress('waiting for a primary… 1s');
      await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    if (this.failWith) throw this.failWith;
    return run();
  }
  private coll(ns: { db: string; collection: string }): BsonDocument[] {
    const key = `${ns.db}.${ns.collection}`;
    let docs = this.collections.get(key);
    if (!docs) {
      docs = [];
      this.collections.set(key, docs);
    }
    return docs;
  }
  private matches(doc: BsonDocument, filter: BsonDocument): boolean {
    return Object.entries(filter).every(([k, v]) => JSON.stringify(doc[k]) === JSON.stringify(v));
  }
  connect(options: PyConnectOptions): Promise<PyClientHandle> {
    this.connects.push(options);
    if (this.failWith && options.api === 'connection-1.8') return Promise.reject(this.failWith);
    return Promise.resolve({ id: `client${this.nextId++}` });
  }
  runCommand(_c: PyClientHandle, db: string, command: BsonDocument, ctx: BackendCallContext): Promise<BsonDocument> {
    return this.op(ctx, () => {
      this.commands.push({ db, command });
      if ('replSetInitiate' in command) {
        return { info2: 'no configuration specified. Using a default configuration for the set', me: 'morton.local:27017', ok: new Double(1) };
      }
      if ('bogus' in command) return { ok: 0, errmsg: "no such command: 'bogus'", code: 59, codeName: 'CommandNotFound' };
      return { ok: 1 };
    });
  }
  insertOne(_c: PyClientHandle, ns: { db: string; collection: string }, doc: BsonDocument, ctx: BackendCallContext) {
    return this.op(ctx, () => {
      this.coll(ns).push(doc);
      return { acknowledged: true };
    });
  }
  insertMany(_c: PyClientHandle, ns: { db: string; collection: string }, docs: BsonDocument[], _o: boolean, ctx: BackendCallContext) {
    return this.op(ctx, () => {
      this.coll(ns).push(...docs);
      return { acknowledged: true };
    });
  }
  save(_c: PyClientHandle, ns: { db: string; collection: string }, doc: BsonDocument, ctx: BackendCallContext) {
    return this.op(ctx, () => {
      this.coll(ns).push(doc);
    });
  }
  find(_c: PyClientHandle, ns: { db: string; collection: string }, filter: BsonDocument, options: { limit?: number }, ctx: BackendCallContext) {
    return this.op(ctx, () => {
      const docs = this.coll(ns).filter((d) => this.matches(d, filter));
      return options.limit ? docs.slice(0, options.limit) : docs;
    });
  }
  findOne(_c: PyClientHandle, ns: { db: string; collection: string }, filter: BsonDocument, _o: unknown, ctx: BackendCallContext) {
    return this.op(ctx, () => this.coll(ns).find((d) => this.matches(d, filter)) ?? null);
  }
  updateOne(_c: PyClientHandle, ns: { db: string; collection: string }, filter: BsonDocument, update: BsonDocument, _o: unknown, ctx: BackendCallContext) {
    return this.op(ctx, () => {
      const doc = this.coll(ns).find((d) => this.matches(d, filter));
      if (doc && update.$set) Object.assign(doc, update.$set);
      return { acknowledged: true, matchedCount: doc ? 1 : 0, modifiedCount: doc ? 1 : 0, upsertedId: null };
    });
  }
  deleteOne(_c: PyClientHandle, ns: { db: string; collection: string }, filter: BsonDocument, ctx: BackendCallContext) {
    return this.op(ctx, () => {
      const docs = this.coll(ns);
      const i = docs.findIndex((d) => this.matches(d, filter));
      if (i >= 0) docs.splice(i, 1);
      return { acknowledged: true, deletedCount: i >= 0 ? 1 : 0 };
    });
  }
  countDocuments(_c: PyClientHandle, ns: { db: string; collection: string }, filter: BsonDocument, ctx: BackendCallContext) {
    return this.op(ctx, () => this.coll(ns).filter((d) => this.matches(d, filter)).length);
  }
  listDatabaseNames(_c: PyClientHandle, ctx: BackendCallContext) {
    return this.op(ctx, () => ['admin', 'config', 'local', ...new Set([...this.collections.keys()].map((k) => k.split('.')[0] ?? ''))]);
  }
  listCollectionNames(_c: PyClientHandle, db: string, ctx: BackendCallContext) {
    return this.op(ctx, () => [...this.collections.keys()].filter((k) => k.startsWith(`${db}.`)).map((k) => k.slice(db.length + 1)));
  }
  address(_c: PyClientHandle, ctx: BackendCallContext) {
    return this.op(ctx, () => this.primary);
  }
  topology() {
    return {
      primary: this.primary,
      secondaries: this.members.filter((m) => m.port !== this.primary?.port),
      arbiters: [],
      nodes: this.members,
    };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
