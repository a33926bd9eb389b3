/**
 * What a runtime host (the page, or the Node host in CI) and the server say to each other about
 * client runtimes and driver calls. The server's protocol (messages.ts) declares the same shapes
 * as schemas and checks them; see /work/team/runtime-host.md for the whole picture.
 */
import type { RuntimeKind } from '../worker/messages';

export type { RuntimeKind };

/** Server → host. */
export type ServerToHost =
  | { type: 'runtime.start'; session: string; tab: string; runtime: RuntimeKind; args: string[]; clock: { speed: number; paused: boolean } }
  | { type: 'runtime.line'; session: string; seq: number; line: string }
  | { type: 'runtime.signal'; session: string; signal: 'interrupt' | 'reset' }
  | { type: 'runtime.stop'; session: string }
  | { type: 'runtime.clock'; speed: number; paused: boolean }
  | { type: 'runtime.complete'; session: string; id: number; line: string; cursor: number }
  | { type: 'driver.reply'; id: number; ok: boolean; result?: unknown; error?: DriverRpcError };

/** Host → server. */
export type HostToServer =
  | { type: 'runtime.progress'; session: string; status: string | null }
  | { type: 'runtime.ready'; session: string; prompt: string }
  | { type: 'runtime.failed'; session: string; message: string; exitCode?: number }
  | { type: 'runtime.output'; session: string; data: string }
  | { type: 'runtime.done'; session: string; seq: number; prompt: string; exit?: boolean }
  | { type: 'runtime.exited'; session: string; message: string }
  | { type: 'driver.call'; id: number; session: string; method: string; params: Record<string, unknown> }
  | { type: 'driver.cancel'; id: number }
  | { type: 'runtime.completion'; session: string; id: number; replaceFrom: number; candidates: string[] };

/** A failed driver call, in terms any runtime can map to its own exceptions. */
export interface DriverRpcError {
  /** The Node driver's error class, or ours: Interrupted, RpcLimit, RpcInvalid, UnknownHandle. */
  name: string;
  message: string;
  code?: number;
  codeName?: string;
  errmsg?: string;
  errorLabels?: string[];
  /** The server's whole reply for a server error (canonical EJSON). */
  errorResponse?: unknown;
  /** For MongoBulkWriteError: the bulk result PyMongo's BulkWriteError carries. */
  bulkResult?: unknown;
  network?: 'refused' | 'timedOut' | 'closed' | 'other';
  address?: string;
  selection?: { timeoutMillis: number; servers: Array<{ address: string; type: string; error?: { message: string; network?: string } }> };
}
