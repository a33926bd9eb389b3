/** The few standard-library modules a PyMongo session reaches for: `time`, `sys`, `pprint`. */
import { InterruptedError } from '../io';
import { PyBuiltinFunction, PyModule, bindArgs } from './objects';
import type { PyDict, PyValue } from './values';
import { PyException, dict, isDict, isList, isTuple, list, numeric, repr, tuple } from './values';

export interface StdlibEnv {
  /** Waits `millis` (the sandbox may scale it with its clock); rejects with InterruptedError on abort. */
  sleep(millis: number, signal: AbortSignal): Promise<void>;
  /** Seconds since the epoch, for `time.time()`. */
  nowSeconds(): number;
}

/** Longest `time.sleep` the lab allows, in seconds. */
export const sleepSecondsMax = 600;

export function realSleep(millis: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new InterruptedError());
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, millis);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new InterruptedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export const realStdlibEnv: StdlibEnv = {
  sleep: realSleep,
  nowSeconds: () => Date.now() / 1000,
};

function sortedEntries(d: PyDict): Array<{ key: PyValue; value: PyValue }> {
  const entries = [...d.entries.values()];
  const allStr = entries.every((e) => typeof e.key === 'string');
  const allNum = entries.every((e) => numeric(e.key) !== undefined);
  if (allStr) return entries.sort((a, b) => ((a.key as string) < (b.key as string) ? -1 : (a.key as string) > (b.key as string) ? 1 : 0));
  if (allNum) return entries.sort((a, b) => Number(numeric(a.key)) - Number(numeric(b.key)));
  return entries;
}

/** repr with dict keys sorted, as pprint's `_safe_repr` does. */
function sortedRepr(v: PyValue, depth = 0): string {
  if (depth > 200) return repr(v);
  if (isDict(v)) return `{${sortedEntries(v).map((e) => `${sortedRepr(e.key, depth + 1)}: ${sortedRepr(e.value, depth + 1)}`).join(', ')}}`;
  if (isList(v)) return `[${v.items.map((x) => sortedRepr(x, depth + 1)).join(', ')}]`;
  if (isTuple(v)) return v.items.length === 1 ? `(${sortedRepr(v.items[0] ?? null, depth + 1)},)` : `(${v.items.map((x) => sortedRepr(x, depth + 1)).join(', ')})`;
  return repr(v);
}

/** `pprint.pformat` (width 80, indent 1, sorted dicts), without pprint's string wrapping. */
export function pformat(v: PyValue, width = 80): string {
  const out: string[] = [];
  const format = (obj: PyValue, indent: number, allowance: number, depth: number): void => {
    const rep = sortedRepr(obj);
    if (rep.length <= width - indent - allowance || depth > 100) {
      out.push(rep);
      return;
    }
    if (isDict(obj) && obj.entries.size > 0) {
      out.push('{');
      const entries = sortedEntries(obj);
      const inner = indent + 1;
      entries.forEach((e, i) => {
        const last = i === entries.length - 1;
        const keyRep = sortedRepr(e.key);
        out.push(`${keyRep}: `);
        format(e.value, inner + keyRep.length + 2, last ? allowance + 1 : 1, depth + 1);
        if (!last) out.push(`,\n${' '.repeat(inner)}`);
      });
      out.push('}');
      return;
    }
    if ((isList(obj) || isTuple(obj)) && obj.items.length > 0) {
      const [open, close] = isList(obj) ? ['[', ']'] : ['(', obj.items.length === 1 ? ',)' : ')'];
      out.push(open);
      const inner = indent + 1;
      obj.items.forEach((item, i) => {
        const last = i === obj.items.length - 1;
        format(item, inner, last ? allowance + close.length : 1, depth + 1);
        if (!last) out.push(`,\n${' '.repeat(inner)}`);
      });
      out.push(close);
      return;
    }
    out.push(rep);
  };
  format(v, 0, 0, 0);
  return out.join('');
}

export function makeStdlib(env: StdlibEnv): Map<string, PyModule> {
  const fn = (name: string, impl: ConstructorParameters<typeof PyBuiltinFunction>[1]): PyBuiltinFunction => new PyBuiltinFunction(name, impl);
  const time = new PyModule(
    'time',
    new Map<string, PyValue>([
      [
        'sleep',
        fn('sleep', async (args, kwargs, ctx) => {
          const b = bindArgs({ fname: 'sleep', params: ['secs'], required: 1 }, args, kwargs);
          const secs = numeric(b.get('secs') ?? null);
          if (secs === undefined) throw new PyException('TypeError', "'str' object cannot be interpreted as an integer");
          const n = Number(secs);
          if (n < 0) throw new PyException('ValueError', 'sleep length must be non-negative');
          if (n > sleepSecondsMax) throw new PyException('LabError', `time.sleep() is limited to ${sleepSecondsMax} seconds here`);
          await env.sleep(n * 1000, ctx.signal);
          return null;
        }),
      ],
      ['time', fn('time', () => env.nowSeconds())],
    ]),
  );
  const sys = new PyModule(
    'sys',
    new Map<string, PyValue>([
      ['version', '3.11.2 (main, Mar 13 2023, 12:18:29) [GCC 12.2.0]'],
      ['version_info', tuple([3n, 11n, 2n, 'final', 0n])],
      ['platform', 'linux'],
      ['maxsize', 9223372036854775807n],
      ['argv', list([''])],
      ['modules', dict()],
    ]),
  );
  const pprint = new PyModule(
    'pprint',
    new Map<string, PyValue>([
      [
        'pprint',
        fn('pprint', (args, kwargs, ctx) => {
          const b = bindArgs({ fname: 'pprint', params: ['object'], required: 1, keywords: ['width', 'indent', 'depth', 'stream', 'compact', 'sort_dicts'] }, args, kwargs);
          const width = b.get('width');
          ctx.write(`${pformat(b.get('object') ?? null, typeof width === 'bigint' ? Number(width) : 80)}\n`);
          return null;
        }),
      ],
      [
        'pformat',
        fn('pformat', (args, kwargs) => {
          const b = bindArgs({ fname: 'pformat', params: ['object'], required: 1, keywords: ['width', 'indent', 'depth', 'compact', 'sort_dicts'] }, args, kwargs);
          const width = b.get('width');
          return pformat(b.get('object') ?? null, typeof width === 'bigint' ? Number(width) : 80);
        }),
      ],
    ]),
    '/usr/lib/python3.11/pprint.py',
  );
  return new Map([
    ['time', time],
    ['sys', sys],
    ['pprint', pprint],
  ]);
}
