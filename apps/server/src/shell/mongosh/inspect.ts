/**
 * mongosh's output format: Node's `util.inspect` (no colours, depth 6, or unlimited for cursor
 * results, as mongosh 2.x calls it), with BSON values shown without `new ` (`ObjectId('...')`,
 * `Long('5')`) and dates as `ISODate('...')`. Host objects print as mongosh prints its shell API
 * objects.
 */
import { inspect } from 'node:util';

const custom = Symbol.for('nodejs.util.inspect.custom');

/** A value whose printed form is fixed text. */
export class Printed {
  constructor(readonly text: string) {}
  [custom](): string {
    return this.text;
  }
}

/** Values that print themselves (host objects: db, collections, rs, functions). */
export interface SelfPrinting {
  printedForm(): string;
}

export function isSelfPrinting(v: unknown): v is SelfPrinting {
  return typeof v === 'object' && v !== null && typeof (v as Partial<SelfPrinting>).printedForm === 'function';
}

interface BsonLike {
  _bsontype?: string;
}

/** Deepest structure converted; deeper parts print as `[Object]`/`[Array]` as Node does. */
const convertDepthMax = 200;

/** Copies `value` for `util.inspect`, keeping shared and circular references as such. */
function toPrintable(value: unknown, depth: number, copies: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isSelfPrinting(value)) return new Printed(value.printedForm());
  if (value instanceof Printed) return value;
  if (value instanceof Date) {
    return new Printed(Number.isNaN(value.getTime()) ? 'Invalid Date' : `ISODate('${value.toISOString()}')`);
  }
  const tag = (value as BsonLike)._bsontype;
  if (typeof tag === 'string') {
    if (tag === 'Binary' && (value as { sub_type?: number }).sub_type === 4) {
      const hex = (value as { toString(enc: string): string }).toString('hex');
      const m = /^(.{8})(.{4})(.{4})(.{4})(.{12})$/.exec(hex);
      if (m) return new Printed(`UUID('${m.slice(1, 6).join('-')}')`);
    }
    return new Printed(inspect(value, { colors: false }).replace(/^(\s*)new /, '$1'));
  }
  if (value instanceof RegExp) return value;
  const existing = copies.get(value);
  if (existing !== undefined) return existing;
  if (depth > convertDepthMax) return new Printed(Array.isArray(value) ? '[Array]' : '[Object]');
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    copies.set(value, out);
    for (const v of value) out.push(toPrintable(v, depth + 1, copies));
    return out;
  }
  const out: Record<string, unknown> = {};
  copies.set(value, out);
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, k, { value: toPrintable(v, depth + 1, copies), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export interface FormatOptions {
  /** Cursor results print at full depth; everything else at depth 6. */
  fullDepth?: boolean;
}

/** mongosh quotes strings with control characters other than tab and newline. */
function hasControlCharacters(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c <= 0x08 || (c >= 0x0b && c <= 0x1f) || (c >= 0x7f && c <= 0x9f))) return true;
  }
  return false;
}

/** A value as mongosh prints an evaluation result (strings without quotes, undefined as nothing). */
export function formatResult(value: unknown, options: FormatOptions = {}): string {
  if (typeof value === 'string' && !hasControlCharacters(value)) return value;
  if (value === undefined) return '';
  return formatValue(value, options);
}

/** A value as `util.inspect` shows it inside mongosh (strings quoted). */
export function formatValue(value: unknown, options: FormatOptions = {}): string {
  return inspect(toPrintable(value, 0, new Map()), {
    colors: false,
    depth: options.fullDepth ? Infinity : 6,
    maxArrayLength: options.fullDepth ? Infinity : 100,
    maxStringLength: options.fullDepth ? Infinity : 10000,
    showProxy: false,
    customInspect: true,
  });
}

/** `show dbs` sizes as mongosh formats them (numeral's `0.00 ib`). */
export function formatBytes(bytes: number): string {
  if (bytes <= 1000) return `${Math.round(bytes)} B`;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

/** text-table with two-space gaps; `align` per column. */
export function textTable(rows: string[][], align: Array<'l' | 'r'>): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const w = widths[i] ?? 0;
          if (align[i] === 'r') return cell.padStart(w);
          return i === row.length - 1 ? cell : cell.padEnd(w);
        })
        .join('  ')
        .replace(/\s+$/, ''),
    )
    .join('\n');
}
