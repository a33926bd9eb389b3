/**
 * CPython (Pyodide) in a worker: loads the interpreter, installs our `pymongo`/`bson` package and
 * the REPL console, then runs one line at a time. Blocking calls go through the sync bridge.
 * Environment-neutral: the browser entry passes `self`, the Node entry `parentPort`.
 */
import { loadPyodide, type PyodideAPI } from 'pyodide';
import { WorkerChannel } from '../bridge/syncChannel';
import type { FromWorker, ToWorker, WorkerPort } from '../worker/messages';

/** Where our package goes inside the interpreter's file system: site-packages, as pip would put it. */
const packageRoot = '/lib/python3.14/site-packages';
/** Output is sent on in batches: at most this often, or sooner when this many characters wait. */
const outputFlushMillis = 30;
const outputFlushChars = 16 * 1024;

/** The console object of `_rslab/console.py`; its answers are JSON text, so no proxies leak. */
interface PyConsole {
  push(line: string): string;
  reset(): void;
  complete(line: string, cursor: number): string;
  banner(): string;
}

export function runPythonWorker(port: WorkerPort): void {
  let channel: WorkerChannel | null = null;
  let consoleApi: PyConsole | null = null;
  let pending = '';
  let lastFlush = 0;
  const queue: ToWorker[] = [];

  const post = (message: FromWorker): void => port.post(message);
  const flush = (): void => {
    if (pending.length === 0) return;
    post({ kind: 'output', data: pending });
    pending = '';
    lastFlush = performance.now();
  };
  const decoder = new TextDecoder();
  const write = (bytes: Uint8Array): number => {
    pending += decoder.decode(bytes, { stream: true });
    if (pending.length >= outputFlushChars || performance.now() - lastFlush >= outputFlushMillis) flush();
    return bytes.length;
  };

  const start = async (init: Extract<ToWorker, { kind: 'init' }>): Promise<void> => {
    channel = new WorkerChannel(init.buffers, () => post({ kind: 'more' }));
    post({ kind: 'progress', status: 'starting Python: loading the interpreter…' });
    const py: PyodideAPI = await loadPyodide({
      indexURL: init.assets.pyodideIndexURL,
      stdout: undefined,
      stderr: undefined,
      // Learners type into our console, never into Pyodide's stdin.
      stdin: () => null,
      args: [],
      env: { HOME: '/home/pyodide', PYTHONHASHSEED: '0' },
    } as Parameters<typeof loadPyodide>[0]);
    py.setStdout({ write });
    py.setStderr({ write });
    py.setInterruptBuffer(channel.signalWord);
    post({ kind: 'progress', status: 'starting Python: installing pymongo…' });
    for (const [path, source] of Object.entries(init.sources)) {
      const full = `${packageRoot}/${path}`;
      py.FS.mkdirTree(full.slice(0, full.lastIndexOf('/')));
      py.FS.writeFile(full, source);
    }
    const bridge = channel;
    py.registerJsModule('_rslab_js', {
      /** One blocking driver call; returns the answer's JSON text. */
      rpc: (request: string): string => {
        flush();
        bridge.prepare();
        post({ kind: 'rpc', request });
        return bridge.await();
      },
      /** time.sleep on the sandbox clock; false when Ctrl-C cut it short. */
      sleep: (seconds: number): boolean => {
        flush();
        return bridge.sleep(seconds);
      },
      /** Clear a pending Ctrl-C we turn into KeyboardInterrupt ourselves; true when there was one. */
      take_interrupt: (): boolean => {
        const was = bridge.interrupted;
        bridge.clearInterrupt();
        return was;
      },
      flush,
    });
    py.runPython(`import sys, importlib; sys.path.count(${JSON.stringify(packageRoot)}) or sys.path.append(${JSON.stringify(packageRoot)}); importlib.invalidate_caches()`);
    const made = py.runPython('import _rslab.console as c; c.Console()') as PyConsole;
    consoleApi = made;
    post({ kind: 'output', data: made.banner() });
    post({ kind: 'ready', prompt: '>>> ' });
  };

  const handle = (message: ToWorker): void => {
    switch (message.kind) {
      case 'init':
        return;
      case 'line': {
        if (!consoleApi || !channel) return;
        channel.clearInterrupt();
        let prompt = '>>> ';
        let exit = false;
        try {
          const answer = JSON.parse(consoleApi.push(message.line)) as { prompt: string; exit: boolean };
          prompt = answer.prompt;
          exit = answer.exit;
        } catch (error) {
          write(new TextEncoder().encode(`internal error in the lab's Python console: ${String(error)}\n`));
        }
        flush();
        post({ kind: 'done', seq: message.seq, prompt, exit });
        return;
      }
      case 'reset':
        consoleApi?.reset();
        return;
      case 'complete': {
        let replaceFrom = message.cursor;
        let candidates: string[] = [];
        try {
          if (consoleApi) ({ replaceFrom, candidates } = JSON.parse(consoleApi.complete(message.line, message.cursor)) as { replaceFrom: number; candidates: string[] });
        } catch {
          candidates = [];
        }
        flush();
        post({ kind: 'completion', id: message.id, replaceFrom, candidates: [...candidates] });
        return;
      }
    }
  };

  port.onMessage((message) => {
    if (message.kind === 'init') {
      start(message).then(
        () => {
          for (const queued of queue.splice(0)) handle(queued);
        },
        (error: unknown) => post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
      );
      return;
    }
    if (!consoleApi) queue.push(message);
    else handle(message);
  });
}
