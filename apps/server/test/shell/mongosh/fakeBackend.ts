import { Long, ObjectId, Timestamp } from 'bson';
import type { Document, MongoshBackend, MongoshCallContext, MongoshTopology, MongoshWriteOptions } from '../../../src/shell/mongosh/backend';
import { MongoshBackendError } from '../../../src/shell/mongosh/backend';

export class FakeMongoshBackend implements MongoshBackend {
  readonly uri = 'mongodb://morton.local:27017/?directConnection=true&appName=mongosh+2.12.0';
  readonly collections = new Map<string, Document[]>();
  readonly commands: Array<{ db: string; command: Document }> = [];
  topo: MongoshTopology = { type: 'Single', setName: null, servers: [{ address: 'morton.local:27017', type: 'Standalone', setName: null }] };
  config: Document | null = null;
  failWith: MongoshBackendError | null = null;
  hang = false;
  private n = 0;

  private async op<T>(ctx: MongoshCallContext, run: () => T): Promise<T> {
    if (this.hang) {
      ctx.onProgress('waiting for a primary… 1s');
      await new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    if (this.failWith) throw this.failWith;
    return run();
  }
  private coll(db: string, c: string): Document[] {
    const key = `${db}.${c}`;
    let docs = this.collections.get(key);
    if (!docs) this.collections.set(key, (docs = []));
    return docs;
  }
  private matches(d: Document, f: Document): boolean {
    return Object.entries(f).every(([k, v]) => JSON.stringify(d[k]) === JSON.stringify(v));
  }
  private id(): ObjectId {
    return ObjectId.createFromHexString(`65f1c2d3e4f5a6b7c8d9e${String(++this.n).padStart(3, '0')}`);
  }
  serverVersion(): string {
    return '7.0.14';
  }
  topology(): MongoshTopology {
    return this.topo;
  }
  runCommand(db: string, command: Document, ctx: MongoshCallContext): Promise<Document> {
    return this.op(ctx, () => {
      this.commands.push({ db, command: structuredClone(command) });
      if ('replSetInitiate' in command) {
        this.config = { _id: 'foo', version: 1, members: [{ _id: 0, host: 'morton.local:27017' }] };
        return { info2: 'no configuration specified. Using a default configuration for the set', me: 'morton.local:27017', ok: 1 };
      }
      if ('replSetGetConfig' in command) {
        if (this.config === null) throw new MongoshBackendError('MongoServerError', 'no replset config has been received', 'NotYetInitialized', 94);
        return { config: structuredClone(this.config), ok: 1 };
      }
      if ('replSetReconfig' in command) {
        this.config = command.replSetReconfig as Document;
        return { ok: 1 };
      }
      if ('replSetGetStatus' in command) {
        return {
          set: 'foo',
          date: new Date('2026-11-25T13:00:00.000Z'),
          myState: 1,
          term: Long.fromNumber(1),
          members: [{ _id: 0, name: 'morton.local:27017', health: 1, state: 1, stateStr: 'PRIMARY', optime: { ts: new Timestamp({ t: 1764075600, i: 1 }), t: Long.fromNumber(1) } }],
          ok: 1,
        };
      }
      if ('hello' in command || 'isMaster' in command) return { isWritablePrimary: true, setName: 'foo', ok: 1 };
      throw new MongoshBackendError('MongoServerError', `no such command: '${Object.keys(command)[0]}'`, 'CommandNotFound', 59);
    });
  }
  /** Write options each write was given, in order. */
  readonly writeOptions: MongoshWriteOptions[] = [];
  insertOne(db: string, c: string, doc: Document, ctx: MongoshCallContext, options: MongoshWriteOptions = {}) {
    this.writeOptions.push(options);
    return this.op(ctx, () => {
      const d = { _id: doc._id ?? this.id(), ...doc };
      this.coll(db, c).push(d);
      return { acknowledged: true, insertedId: d._id };
    });
  }
  insertMany(db: string, c: string, docs: Document[], ctx: MongoshCallContext) {
    return this.op(ctx, () => {
      const ids: Record<number, unknown> = {};
      docs.forEach((doc, i) => {
        const d = { _id: doc._id ?? this.id(), ...doc };
        this.coll(db, c).push(d);
        ids[i] = d._id;
      });
      return { acknowledged: true, insertedIds: ids };
    });
  }
  find(db: string, c: string, filter: Document, options: { limit?: number }, ctx: MongoshCallContext) {
    return this.op(ctx, () => {
      const docs = this.coll(db, c).filter((d) => this.matches(d, filter));
      return options.limit ? docs.slice(0, options.limit) : docs;
    });
  }
  findOne(db: string, c: string, filter: Document, _o: unknown, ctx: MongoshCallContext) {
    return this.op(ctx, () => this.coll(db, c).find((d) => this.matches(d, filter)) ?? null);
  }
  updateOne(db: string, c: string, filter: Document, update: Document | Document[], _o: unknown, ctx: MongoshCallContext) {
    return this.op(ctx, () => {
      const d = this.coll(db, c).find((x) => this.matches(x, filter));
      if (d && !Array.isArray(update) && update.$set) Object.assign(d, update.$set);
      return { acknowledged: true, matchedCount: d ? 1 : 0, modifiedCount: d ? 1 : 0, upsertedCount: 0, upsertedId: null };
    });
  }
  deleteOne(db: string, c: string, filter: Document, ctx: MongoshCallContext) {
    return this.op(ctx, () => {
      const docs = this.coll(db, c);
      const i = docs.findIndex((d) => this.matches(d, filter));
      if (i >= 0) docs.splice(i, 1);
      return { acknowledged: true, deletedCount: i >= 0 ? 1 : 0 };
    });
  }
  countDocuments(db: string, c: string, filter: Document, ctx: MongoshCallContext) {
    return this.op(ctx, () => this.coll(db, c).filter((d) => this.matches(d, filter)).length);
  }
  listDatabases(ctx: MongoshCallContext) {
    return this.op(ctx, () => [
      { name: 'admin', sizeOnDisk: 40960 },
      { name: 'config', sizeOnDisk: 12288 },
      { name: 'local', sizeOnDisk: 73728 },
      { name: 'test', sizeOnDisk: 8192 },
    ]);
  }
  listCollectionNames(db: string, ctx: MongoshCallContext) {
    return this.op(ctx, () => [...this.collections.keys()].filter((k) => k.startsWith(`${db}.`)).map((k) => k.slice(db.length + 1)));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
