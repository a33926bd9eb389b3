import { cursorModifiers, type CursorAction, type CursorMethod, type CursorModifier, type Document, type DriverReply } from './driverRpc';
import type { RemoteConnection } from './remoteServiceProvider';

/** Documents asked for per round trip (the driver's own first batch is 101). */
export const cursorBatchDocumentsMax = 101;

/**
 * A cursor of mongosh's ServiceProvider interface whose documents live on the server. The
 * synchronous modifiers (`limit`, `sort`, `project`...) are recorded and sent with the first fetch,
 * which opens the driver cursor there; later fetches continue it by handle.
 */
export class RemoteCursor {
  private readonly modifiers: Array<[CursorModifier, ...unknown[]]> = [];
  private buffer: Document[] = [];
  private handle: string | null = null;
  private opened = false;
  private exhausted = false;
  private closedByUser = false;
  private batchDocuments = cursorBatchDocumentsMax;

  constructor(
    private readonly connection: RemoteConnection,
    private readonly method: CursorMethod,
    private readonly args: unknown[],
  ) {
    for (const name of cursorModifiers) {
      // Every modifier records itself; `withReadPreference`/`withReadConcern` return the cursor.
      (this as unknown as Record<string, (...a: unknown[]) => unknown>)[name] = (...modifierArgs: unknown[]) => {
        if (this.opened) throw new Error(`Cursor is already initialized; ${name}() must come before the first document is read`);
        if (name === 'batchSize' && typeof modifierArgs[0] === 'number' && modifierArgs[0] > 0) {
          this.batchDocuments = Math.min(modifierArgs[0], cursorBatchDocumentsMax);
        }
        this.modifiers.push([name, ...modifierArgs]);
        return this;
      };
    }
  }

  /** The driver's meaning: nothing more on the server and nothing left in the buffer. */
  get closed(): boolean {
    return this.closedByUser || (this.exhausted && this.buffer.length === 0);
  }

  private absorb(reply: DriverReply): DriverReply & { op: 'cursor' } {
    if (reply.op !== 'cursor') throw new Error(`unexpected reply ${reply.op} to a cursor request`);
    this.connection.observe(reply.topology);
    this.buffer.push(...reply.batch);
    this.handle = reply.cursor;
    if (reply.cursor === null) this.exhausted = true;
    return reply;
  }

  private async open(action: CursorAction): Promise<DriverReply & { op: 'cursor' }> {
    this.opened = true;
    const reply = await this.connection.request({
      op: 'cursor.open',
      connection: this.connection.id,
      method: this.method,
      args: this.args,
      modifiers: this.modifiers,
      action,
    });
    return this.absorb(reply);
  }

  /** Make sure a document is buffered if the server has one; false when none is left. */
  private async fill(): Promise<boolean> {
    if (this.buffer.length > 0) return true;
    if (this.closedByUser) return false;
    if (!this.opened) {
      await this.open({ kind: 'batch', max: this.batchDocuments });
    } else if (!this.exhausted && this.handle !== null) {
      this.absorb(await this.connection.request({ op: 'cursor.more', cursor: this.handle, max: this.batchDocuments }));
    }
    return this.buffer.length > 0;
  }

  async hasNext(): Promise<boolean> {
    return this.fill();
  }

  async next(): Promise<Document | null> {
    return (await this.fill()) ? (this.buffer.shift() as Document) : null;
  }

  /** A tailable cursor may answer an empty batch without being exhausted: then null. */
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

  async explain(verbosity?: unknown): Promise<Document> {
    const reply = await this.open({ kind: 'explain', ...(verbosity !== undefined ? { verbosity } : {}) });
    return reply.value as Document;
  }

  async count(options?: unknown): Promise<number> {
    const reply = await this.open({ kind: 'count', ...(options !== undefined ? { options } : {}) });
    return reply.value as number;
  }

  async close(): Promise<void> {
    this.closedByUser = true;
    this.buffer = [];
    const handle = this.handle;
    this.handle = null;
    if (handle !== null) await this.connection.request({ op: 'cursor.close', cursor: handle });
  }
}
