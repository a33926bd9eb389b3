import type { ClientView, OperationRecord } from '../driver/gateway';
import type { DriverExecutor, LabDriver } from '../driver/labDriver';
import type { CallContext, DriverRpcLimits, RpcReply } from '../driver/labDriver';

/** What the mirror needs of its WorkerEngine: calls to the sandbox in its worker, in order. */
export interface WorkerDriverLink {
  driverCall<T>(method: string, args: unknown[]): Promise<T>;
  /** Whether the sandbox is gone from its worker (disposed, or the worker died): its clients went with it. */
  readonly ended: boolean;
}

/** A `driver` or `driverProgress` event from the sandbox's worker. */
export type WorkerDriverEvent =
  | { kind: 'driver'; views?: ClientView[]; operation?: OperationRecord }
  | { kind: 'driverProgress'; executor: string; id: number; status: string | null };

/**
 * The driver of a sandbox on a worker thread, seen from the main thread. The official driver runs
 * in that worker beside the members (workspace/sandboxWorker.ts): at 1,000 sandboxes its sockets,
 * BSON and server monitoring were most of the main thread's work (docs/BENCHMARKS.md). Here are
 * only the calls handed on and what the lesson checks read synchronously: the client views and
 * the operations, mirrored from the worker's events, which arrive before the reply they belong to.
 */
export class WorkerLabDriver implements LabDriver {
  private clientViews: ClientView[] = [];
  private readonly operationLog: OperationRecord[] = [];
  /** The calls waiting, by `executor#id`, for their wait lines. */
  private readonly waiting = new Map<string, CallContext>();
  private executorCounter = 0;

  constructor(
    private readonly link: WorkerDriverLink,
    private readonly operationsKept = 1000,
  ) {}

  receive(event: WorkerDriverEvent): void {
    if (event.kind === 'driverProgress') {
      this.waiting.get(`${event.executor}#${event.id}`)?.onProgress(event.status);
      return;
    }
    if (event.views) this.clientViews = event.views;
    if (event.operation) {
      this.operationLog.push(event.operation);
      if (this.operationLog.length > this.operationsKept) this.operationLog.shift();
    }
  }

  views(): ClientView[] {
    return this.clientViews.map((view) => ({ ...view, knownMembers: [...view.knownMembers] }));
  }

  get operations(): readonly OperationRecord[] {
    return this.operationLog;
  }

  executor(_clock: { readonly paused: boolean }, limits?: Partial<DriverRpcLimits>): DriverExecutor {
    this.executorCounter += 1;
    return new WorkerExecutor(this.link, `x${this.executorCounter}`, this.waiting, limits);
  }

  async closeAll(): Promise<void> {
    if (this.link.ended) return;
    await this.link.driverCall('driver.closeAll', []);
  }
}

/** One connection's executor, in the worker under `key` (made there at its first call). */
class WorkerExecutor implements DriverExecutor {
  constructor(
    private readonly link: WorkerDriverLink,
    private readonly key: string,
    private readonly waiting: Map<string, CallContext>,
    private readonly limits: Partial<DriverRpcLimits> | undefined,
  ) {}

  async call(id: number, runtimeSession: string, method: string, params: unknown, ctx: CallContext): Promise<RpcReply> {
    const waitingKey = `${this.key}#${id}`;
    this.waiting.set(waitingKey, ctx);
    try {
      return await this.link.driverCall<RpcReply>('driver.call', [this.key, id, runtimeSession, method, params, this.limits]);
    } catch (error) {
      // The worker died or refused the call: the shell gets an answer, as from a failed operation.
      return { ok: false, error: { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) } };
    } finally {
      this.waiting.delete(waitingKey);
      ctx.onProgress(null);
    }
  }

  cancel(id: number): void {
    if (this.link.ended) return;
    this.link.driverCall('driver.cancel', [this.key, id]).catch(() => {
      // The call it cancels answers anyway (with the worker's error, if the worker is gone).
    });
  }

  async endSession(runtimeSession: string): Promise<void> {
    if (this.link.ended) return;
    await this.link.driverCall('driver.endSession', [this.key, runtimeSession]);
  }

  async dispose(): Promise<void> {
    if (this.link.ended) return;
    await this.link.driverCall('driver.disposeExecutor', [this.key]);
  }
}
