import { RuntimeHost, type HostToServer, type LocalCompletion, type RuntimeKind, type ServerToHost, type WorkerLike } from '@rslab/runtime';

/** What the page learns from the server about where Pyodide's files are. */
interface RuntimeInfo {
  pyodideIndexURL: string;
}

/** Pyodide's files a start needs, with their sizes for the progress line (fetched into the HTTP cache). */
const pyodideFiles = ['pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide.asm.mjs', 'pyodide-lock.json'];

function megabytes(bytes: number): string {
  return (bytes / 1_000_000).toFixed(1);
}

/**
 * The page as a runtime host: Python and mongosh run here, in a Web Worker per terminal tab that
 * runs one, and their blocking driver calls go over this page's WebSocket. See
 * /work/team/runtime-host.md. Each worker is its own chunk, loaded when a tab first starts it.
 */
export class BrowserRuntimes {
  private host: RuntimeHost | null = null;
  private info: Promise<RuntimeInfo> | null = null;
  private downloaded: Promise<void> | null = null;
  private progressListener: ((status: string) => void) | null = null;

  constructor(
    private readonly send: (message: HostToServer) => boolean,
    private readonly onOutput: (tab: string, data: string) => void,
  ) {}

  private runtimeInfo(): Promise<RuntimeInfo> {
    this.info ??= fetch('/runtime/info.json').then((response) => {
      if (!response.ok) throw new Error(`the server has no Python runtime files (HTTP ${response.status})`);
      return response.json() as Promise<RuntimeInfo>;
    });
    return this.info;
  }

  private async ensureHost(): Promise<RuntimeHost> {
    if (this.host) return this.host;
    const info = await this.runtimeInfo();
    this.host ??= new RuntimeHost({
      send: (message) => void this.send(message),
      createWorker: (runtime) => webWorker(runtime),
      assets: { pyodideIndexURL: new URL(info.pyodideIndexURL, window.location.href).href },
      pythonSources: () => fetch('/runtime/python-sources.json').then((response) => response.json() as Promise<Record<string, string>>),
      onOutput: this.onOutput,
    });
    return this.host;
  }

  /**
   * Fetch Pyodide's files into the HTTP cache (the worker's own requests then come from it), and
   * report progress in megabytes. The page calls this when idle; `python` waits for it.
   */
  prefetch(): Promise<void> {
    this.downloaded ??= (async () => {
      const info = await this.runtimeInfo();
      const base = new URL(info.pyodideIndexURL, window.location.href);
      let loaded = 0;
      let total = 0;
      const responses = await Promise.all(pyodideFiles.map((file) => fetch(new URL(file, base))));
      for (const response of responses) total += Number(response.headers.get('content-length') ?? 0);
      await Promise.all(
        responses.map(async (response) => {
          if (!response.ok || !response.body) throw new Error(`could not load ${response.url} (HTTP ${response.status})`);
          const reader = response.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            loaded += value.byteLength;
            this.progressListener?.(`starting Python: ${megabytes(loaded)} of ${megabytes(total)} MB`);
          }
        }),
      );
      const host = await this.ensureHost();
      await host.prefetchSources();
    })();
    this.downloaded.catch(() => {
      this.downloaded = null;
    });
    return this.downloaded;
  }

  /** A server message for the runtimes this page hosts. */
  handle(message: ServerToHost): void {
    if (message.type !== 'runtime.start') {
      this.host?.handle(message);
      return;
    }
    const session = message.session;
    const title = message.runtime;
    this.progressListener = (status) => this.send({ type: 'runtime.progress', session, status });
    // mongosh needs none of Pyodide's files; Python waits for them (prefetched when the page was idle).
    (message.runtime === 'python' ? this.prefetch() : Promise.resolve())
      .then(() => this.ensureHost())
      .then(
        (host) => {
          this.progressListener = null;
          host.handle(message);
        },
        (error: unknown) => {
          this.progressListener = null;
          this.send({ type: 'runtime.progress', session, status: null });
          this.send({ type: 'runtime.failed', session, message: `${title}: ${error instanceof Error ? error.message : String(error)}` });
        },
      );
  }

  /** Ctrl-C here: stop the running code at once, before the server's signal comes back. */
  interrupt(tab: string): void {
    this.host?.interruptTab(tab);
  }

  /** Completion from the live runtime in `tab`, or null when none runs here. */
  complete(tab: string, line: string, cursor: number): Promise<LocalCompletion> | null {
    return this.host?.complete(tab, line, cursor) ?? null;
  }

  /** The connection was replaced (reconnect, fork, rejoin): the server has forgotten our runtimes. */
  reset(): void {
    this.host?.dispose();
  }
}

function webWorker(runtime: RuntimeKind): WorkerLike {
  // Two literal `new Worker(new URL(...))` forms, so Vite finds and bundles each worker chunk.
  const worker =
    runtime === 'python'
      ? new Worker(new URL('./pythonWorker.ts', import.meta.url), { type: 'module', name: 'python' })
      : new Worker(new URL('./mongoshWorker.ts', import.meta.url), { type: 'module', name: 'mongosh' });
  return {
    postMessage: (message) => worker.postMessage(message),
    onMessage: (handler) => worker.addEventListener('message', (event: MessageEvent) => handler(event.data)),
    onError: (handler) => worker.addEventListener('error', (event: ErrorEvent) => handler(new Error(event.message || 'the worker failed to load'))),
    terminate: () => worker.terminate(),
  };
}

/** Server messages meant for a runtime host. */
export function isRuntimeMessage(message: { type: string }): message is ServerToHost {
  return message.type.startsWith('runtime.') || message.type === 'driver.reply';
}
