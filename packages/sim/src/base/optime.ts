import { Long, Timestamp } from 'bson';
import type { Document } from 'bson';

/**
 * An operation time `{ts, t}`. `ts` packs a BSON Timestamp's seconds and increment into one exact
 * JS number (`secs * 2^20 + inc`), so comparisons stay cheap; `t` is the term (-1 before any).
 */
export interface OpTime {
  readonly ts: number;
  readonly t: number;
}

export const TS_INC_LIMIT = 1 << 20;
export const NULL_OPTIME: OpTime = Object.freeze({ ts: 0, t: -1 });

export function packTs(secs: number, inc: number): number {
  if (!Number.isInteger(secs) || secs < 0 || !Number.isInteger(inc) || inc < 0 || inc >= TS_INC_LIMIT) {
    throw new RangeError(`packTs: bad timestamp (${secs}, ${inc})`);
  }
  return secs * TS_INC_LIMIT + inc;
}

export function tsSecs(ts: number): number {
  return Math.floor(ts / TS_INC_LIMIT);
}

export function tsInc(ts: number): number {
  return ts % TS_INC_LIMIT;
}

/** MongoDB orders optimes by term first, then timestamp. */
export function compareOpTime(a: OpTime, b: OpTime): number {
  if (a.t !== b.t) return a.t < b.t ? -1 : 1;
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  return 0;
}

export function opTimeEquals(a: OpTime, b: OpTime): boolean {
  return a.ts === b.ts && a.t === b.t;
}

export function maxOpTime(a: OpTime, b: OpTime): OpTime {
  return compareOpTime(a, b) >= 0 ? a : b;
}

export function isNullOpTime(o: OpTime): boolean {
  return o.ts === 0 && o.t === -1;
}

export function tsToBson(ts: number): Timestamp {
  return new Timestamp({ t: tsSecs(ts), i: tsInc(ts) });
}

export function tsFromBson(value: unknown): number {
  if (value instanceof Timestamp) return packTs(value.t, value.i);
  if (value && typeof value === 'object' && 't' in value && 'i' in value) {
    const v = value as { t: number; i: number };
    return packTs(Number(v.t), Number(v.i));
  }
  throw new TypeError(`expected a Timestamp, got ${String(value)}`);
}

export function opTimeToBson(o: OpTime): Document {
  return { ts: tsToBson(o.ts), t: Long.fromNumber(o.t) };
}

export function opTimeFromBson(doc: unknown): OpTime {
  if (!doc || typeof doc !== 'object') throw new TypeError('expected an optime document');
  const d = doc as Document;
  return { ts: tsFromBson(d.ts), t: Number(d.t) };
}

export function formatOpTime(o: OpTime): string {
  return `{ ts: Timestamp(${tsSecs(o.ts)}, ${tsInc(o.ts)}), t: ${o.t} }`;
}

export function opTimeKey(o: OpTime): string {
  return `${o.t}:${o.ts}`;
}
