import type { Document } from './driverCalls';

/** What a cursor needs of its connection: a driver call on that client. */
export interface CursorHost {
  call(method: string, params: Document, signal?: AbortSignal): Promise<Document>;
}

/** Options a find or aggregate takes, by the cursor method mongosh calls before the first batch. */
const optionOf: Record<string, string> = {
  allowDiskUse: 'allowDiskUse',
  batchSize: 'batchSize',
  collation: 'collation',
  comment: 'comment',
  hint: 'hint',
  limit: 'limit',
  max: 'max',
  maxAwaitTimeMS: 'maxAwaitTimeMS',
  maxTimeMS: 'maxTimeMS',
  min: 'min',
  project: 'projection',
  returnKey: 'returnKey',
  showRecordId: 'showRecordId',
  skip: 'skip',
  sort: 'sort',
  withReadConcern: 'readConcern',
  withReadPreference: 'readPreference',
};

/** `addCursorFlag(flag, value)`: the find option each flag is. */
const flagOption: Record<string, string> = {
  tailable: 'tailable',
  awaitData: 'awaitData',
  noCursorTimeout: 'noCursorTimeout',
  partial: 'allowPartialResults',
  oplogReplay: 'oplogReplay',
};

/** The find command's field for each find option, for `explain()` and `count()`. */
const commandFieldOf: Record<string, string> = { projection: 'projection', sort: 'sort', limit: 'limit', skip: 'skip', hint: 'hint', collation: 'collation', comment: 'comment', maxTimeMS: 'maxTimeMS', min: 'min', max: 'max', returnKey: 'returnKey', showRecordId: 'showRecordId', allowDiskUse: 'allowDiskUse' };

export interface CursorSource {
  /** `find` or `aggregate` (or `watch`), as the driver RPC names them. */
  method: 'find' | 'aggregate' | 'watch';
  db: string;
  /** null: a database-level aggregate (`db.aggregate()`). */
  coll: string | null;
  /** `filter` for find, `pipeline` for aggregate and watch. */
  params: Document;
  options: Document;
}

/**
 * A cursor of mongosh's ServiceProvider interface whose documents live on the server. The
 * synchronous modifiers (`limit`, `sort`, `project`…) become options of the one call that opens
 * the cursor on the first read; later reads continue it by handle (`getMore`), `close` kills it.
 */
export class RpcCursor {
  private readonly options: Document;
  private buffer: Document[] = [];
  private handle: string | null = null;
  private opened = false;
  private exhausted = false;
  private closedByUser = false;
  private lastResumeToken: unknown = null;

  constructor(
    private readonly host: CursorHost,
    private readonly source: CursorSource,
  ) {
    this.options = { ...source.options };
    for (const [name, option] of Object.entries(optionOf)) {
      (this as unknown as Record<string, (...a: unknown[]) => unknown>)[name] = (value: unknown) => {
        this.modify(name);
        this.options[option] = value;
        return this;
      };
    }
  }

  private modify(name: string): void {
    if (this.opened) throw new Error(`Cursor is already initialized: call ${name}() before the first document is read`);
  }

  addCursorFlag(flag: string, value: boolean): this {
    this.modify('addCursorFlag');
    this.options[flagOption[flag] ?? flag] = value;
    return this;
  }

  /** The driver's meaning: nothing more on the server and nothing left in the buffer. */
  get closed(): boolean {
    return this.closedByUser || (this.exhausted && this.buffer.length === 0);
  }

  get resumeToken(): unknown {
    return this.lastResumeToken;
  }

  private take(reply: Document): void {
    const batch = (reply.batch as Document[] | undefined) ?? [];
    this.buffer.push(...batch);
    const last = batch.at(-1);
    if (this.source.method === 'watch' && last) this.lastResumeToken = last._id;
    this.handle = (reply.cursor as string | null | undefined) ?? null;
    if (this.handle === null) this.exhausted = true;
  }

  /** Make sure a document is buffered if the server has one; false when none came. */
  private async fill(): Promise<boolean> {
    if (this.buffer.length > 0) return true;
    if (this.closedByUser) return false;
    if (!this.opened) {
      this.opened = true;
      const { method, db, coll, params } = this.source;
      this.take(await this.host.call(method, { db, coll, ...params, options: this.options }));
    } else if (!this.exhausted && this.handle !== null) {
      this.take(await this.host.call('getMore', { cursor: this.handle }));
    }
    return this.buffer.length > 0;
  }

  async hasNext(): Promise<boolean> {
    return this.fill();
  }

  async next(): Promise<Document | null> {
    return (await this.fill()) ? (this.buffer.shift() as Document) : null;
  }

  /** A change stream or tailable cursor may come back empty without being exhausted: then null. */
  async tryNext(): Promise<Document | null> {
    return this.next();
  }

  async toArray(): Promise<Document[]> {
    const all: Document[] = [];
    while (await this.fill()) all.push(...this.buffer.splice(0));
    return all;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Document, void, void> {
    while (await this.fill()) yield this.buffer.shift() as Document;
  }

  bufferedCount(): number {
    return this.buffer.length;
  }

  readBufferedDocuments(count?: number): Document[] {
    return this.buffer.splice(0, count ?? this.buffer.length);
  }

  private commandFields(): Document {
    const fields: Document = {};
    for (const [option, field] of Object.entries(commandFieldOf)) if (this.options[option] !== undefined) fields[field] = this.options[option];
    return fields;
  }

  /** The explain command for what this cursor would run (mongosh's `.explain()`). */
  async explain(verbosity: unknown = 'queryPlanner'): Promise<Document> {
    const { method, db, coll, params } = this.source;
    const explained =
      method === 'find'
        ? { find: coll, filter: params.filter ?? {}, ...this.commandFields() }
        : { aggregate: coll ?? 1, pipeline: params.pipeline ?? [], cursor: {}, ...this.commandFields() };
    const reply = await this.host.call('runCommand', { db, command: { explain: explained, verbosity } });
    return reply.document as Document;
  }

  /** mongosh's legacy `cursor.count()`: the count command with this cursor's filter. */
  async count(): Promise<number> {
    const { db, coll, params } = this.source;
    const { limit, skip, hint } = this.options;
    const command: Document = { count: coll, query: params.filter ?? {} };
    if (limit !== undefined) command.limit = limit;
    if (skip !== undefined) command.skip = skip;
    if (hint !== undefined) command.hint = hint;
    const reply = await this.host.call('runCommand', { db, command });
    return Number((reply.document as Document).n);
  }

  async close(): Promise<void> {
    this.closedByUser = true;
    this.buffer = [];
    const handle = this.handle;
    this.handle = null;
    if (handle !== null) await this.host.call('killCursors', { cursor: handle });
  }
}
