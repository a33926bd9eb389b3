import type { Document } from 'bson';

/** What the wire layer knows about the connection a command arrived on. */
export interface ConnectionInfo {
  /** Server-assigned id, reported as `connectionId` in hello replies. */
  readonly id: number;
  /** `host:port` of the client, for logs. */
  readonly remote: string;
  /** The client's `application.name` from its first hello (the wire layer sets it); fail points match on it. */
  appName?: string;
  /** The `client` document of the connection's first hello (currentOp's `clientMetadata`). */
  clientMetadata?: Document;
  /** The first hello carried `internalClient`: another member (or mongos) talks on this connection. */
  internalClient?: boolean;
}

export interface CommandRequest {
  /** The `$db` the command names. */
  readonly db: string;
  /** The command document, with OP_MSG kind-1 sequences merged in as arrays. */
  readonly body: Document;
  /** OP_MSG flag bit 16: the client accepts a stream of replies (exhaust). */
  readonly exhaustAllowed: boolean;
  /** OP_MSG flag bit 1 on the request: the client expects no reply (w:0 writes). */
  readonly moreToCome: boolean;
  readonly connection: ConnectionInfo;
  /** Aborted when the connection closes; long waits (awaitable hello, awaitData) must stop. */
  readonly signal: AbortSignal;
  /** Close the connection the command came on, without a reply (the failCommand fail point's closeConnection). */
  readonly closeConnection?: () => void;
}

/**
 * Runs commands for one member. Always resolves with a reply document: server errors are replies
 * with `ok: 0`, `code`, `codeName` and `errmsg`, never rejections.
 */
export interface CommandHandler {
  run(request: CommandRequest): Promise<Document>;
  /** Called when a connection closes, so cursors and waits tied to it can be released. */
  connectionClosed?(connection: ConnectionInfo): void;
}
