/**
 * The Python values the lab's interpreter works with, and `repr()` as Python 3 prints them.
 *
 * int is a JS `bigint`, float a JS `number`, str a JS `string`, bool a JS `boolean`, None `null`.
 * Containers and everything else are objects with a `kind`.
 */

export type PyValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | PyList
  | PyTuple
  | PyDict
  | PySet
  | PyBytes
  | PyObject;

export interface PyList {
  readonly kind: 'list';
  items: PyValue[];
}
export interface PyTuple {
  readonly kind: 'tuple';
  readonly items: readonly PyValue[];
}
export interface PySet {
  readonly kind: 'set';
  readonly frozen: boolean;
  readonly items: Map<string, PyValue>;
}
export interface PyBytes {
  readonly kind: 'bytes';
  readonly data: Uint8Array;
}

export interface PyDict {
  readonly kind: 'dict';
  /** Insertion-ordered; the map key is `hashKey(key)`. */
  readonly entries: Map<string, { key: PyValue; value: PyValue }>;
}

/** Anything with a Python class: modules, functions, host objects, BSON types. */
export abstract class PyObject {
  readonly kind = 'object' as const;
  /** The class name Python shows in `'X' object has no attribute` and `type()`. */
  abstract readonly typeName: string;
  /** The class's full dotted name for `type(x)` (`pymongo.collection.Collection`). */
  get qualifiedTypeName(): string {
    return this.typeName;
  }
  abstract repr(): string;
  str(): string {
    return this.repr();
  }
  /** Attribute names for `dir()` and tab completion. */
  attributeNames(): string[] {
    return [];
  }
  /** `obj.name`; undefined means AttributeError. */
  getAttr(_name: string, _ctx: PyContext): PyValue | Promise<PyValue> | undefined {
    return undefined;
  }
  /** `obj[key]`; undefined means the type is not subscriptable. */
  getItem(_key: PyValue, _ctx: PyContext): PyValue | Promise<PyValue> | undefined {
    return undefined;
  }
  /** `for x in obj` / `list(obj)`; undefined means not iterable. */
  iterate(_ctx: PyContext): Promise<PyValue[]> | undefined {
    return undefined;
  }
  /** `obj(...)`; undefined means not callable. */
  call(_args: PyValue[], _kwargs: Map<string, PyValue>, _ctx: PyContext): PyValue | Promise<PyValue> | undefined {
    return undefined;
  }
}

/** What host objects get while a line runs. */
export interface PyContext {
  readonly signal: AbortSignal;
  write(text: string): void;
  onProgress(status: string | null): void;
  /** A stable fake memory address for `<... object at 0x7f...>` reprs. */
  addressOf(obj: object): string;
}

export function list(items: PyValue[]): PyList {
  return { kind: 'list', items };
}
export function tuple(items: readonly PyValue[]): PyTuple {
  return { kind: 'tuple', items };
}
export function dict(pairs: Array<[PyValue, PyValue]> = []): PyDict {
  const d: PyDict = { kind: 'dict', entries: new Map() };
  for (const [k, v] of pairs) dictSet(d, k, v);
  return d;
}
export function set(items: PyValue[], frozen = false): PySet {
  const s: PySet = { kind: 'set', frozen, items: new Map() };
  for (const item of items) s.items.set(hashKey(item), item);
  return s;
}
export function bytes(data: Uint8Array): PyBytes {
  return { kind: 'bytes', data };
}

export function isList(v: PyValue): v is PyList {
  return typeof v === 'object' && v !== null && v.kind === 'list';
}
export function isTuple(v: PyValue): v is PyTuple {
  return typeof v === 'object' && v !== null && v.kind === 'tuple';
}
export function isDict(v: PyValue): v is PyDict {
  return typeof v === 'object' && v !== null && v.kind === 'dict';
}
export function isSet(v: PyValue): v is PySet {
  return typeof v === 'object' && v !== null && v.kind === 'set';
}
export function isBytes(v: PyValue): v is PyBytes {
  return typeof v === 'object' && v !== null && v.kind === 'bytes';
}

/** A Python exception raised by the interpreter or a host object: `NameError: name 'x' is not defined`. */
export class PyException extends Error {
  override readonly name = 'PyException';
  /** The class as the traceback prints it: `NameError`, `pymongo.errors.AutoReconnect`. */
  readonly pyClass: string;
  /** The `<stdin>` line the traceback names (set by a `for` body). */
  lineNumber?: number;
  constructor(pyClass: string, message: string) {
    super(message);
    this.pyClass = pyClass;
  }
  /** The last traceback line. */
  line(): string {
    return this.message === '' ? this.pyClass : `${this.pyClass}: ${this.message}`;
  }
}

/** The hash identity of a hashable value; throws TypeError for unhashable ones. */
export function hashKey(v: PyValue): string {
  if (v === null) return 'N';
  if (typeof v === 'boolean') return v ? 'i1' : 'i0';
  if (typeof v === 'bigint') return `i${v}`;
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return `i${BigInt(v)}`;
    return `f${v}`;
  }
  if (typeof v === 'string') return `s${v}`;
  if (v.kind === 'tuple') return `t(${v.items.map(hashKey).join(',')})`;
  if (v.kind === 'bytes') return `b${Array.from(v.data).join(',')}`;
  if (v.kind === 'set' && v.frozen) return `z{${[...v.items.keys()].sort().join(',')}}`;
  if (v.kind === 'object') return `o${v.typeName}:${v.repr()}`;
  throw new PyException('TypeError', `unhashable type: '${typeName(v)}'`);
}

export function dictSet(d: PyDict, key: PyValue, value: PyValue): void {
  const h = hashKey(key);
  const existing = d.entries.get(h);
  if (existing) existing.value = value;
  else d.entries.set(h, { key, value });
}

export function dictGet(d: PyDict, key: PyValue): PyValue | undefined {
  return d.entries.get(hashKey(key))?.value;
}

export function typeName(v: PyValue): string {
  if (v === null) return 'NoneType';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'str';
  }
  if (v.kind === 'set') return v.frozen ? 'frozenset' : 'set';
  if (v.kind === 'object') return v.typeName;
  return v.kind;
}

/** `repr(float)`: shortest round-trip digits, exponent form outside 1e-4 <= |x| < 1e16. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa = '', expText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
    return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
}

function isPrintable(code: number): boolean {
  if (code < 0x20 || code === 0x7f) return false;
  if (code >= 0x80 && code <= 0xa0) return false;
  if (code === 0xad) return false;
  if (code >= 0xd800 && code <= 0xdfff) return false;
  if (code === 0x2028 || code === 0x2029 || (code >= 0x200b && code <= 0x200f) || code === 0xfeff) return false;
  return true;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** `repr(str)`: single quotes unless the text has a `'` and no `"`. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (isPrintable(code)) out += ch;
    else if (code < 0x100) out += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out + quote;
}

export function bytesRepr(data: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const b of data) {
    if (b === 0x27) hasSingle = true;
    if (b === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = `b${quote}`;
  for (const b of data) {
    const ch = String.fromCharCode(b);
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${hex(b, 2)}`;
    else out += ch;
  }
  return out + quote;
}

/** Python 3.11's limit on int-to-str conversion. */
export const intMaxStrDigits = 4300;

export function intRepr(n: bigint): string {
  const text = n.toString();
  if (text.replace('-', '').length > intMaxStrDigits) {
    throw new PyException(
      'ValueError',
      `Exceeds the limit (${intMaxStrDigits} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
  return text;
}

/** Most nested containers `repr` walks before it gives up, as Python's recursion limit would. */
export const reprDepthMax = 500;

export function repr(v: PyValue, depth = 0, seen: Set<object> = new Set()): string {
  if (depth > reprDepthMax) throw new PyException('RecursionError', 'maximum recursion depth exceeded while getting the repr of an object');
  if (v === null) return 'None';
  switch (typeof v) {
    case 'boolean':
      return v ? 'True' : 'False';
    case 'bigint':
      return intRepr(v);
    case 'number':
      return floatRepr(v);
    case 'string':
      return strRepr(v);
  }
  if (v.kind === 'object') return v.repr();
  if (v.kind === 'bytes') return bytesRepr(v.data);
  // A container that contains itself prints as [...] / {...}, as CPython does.
  if (seen.has(v)) return v.kind === 'list' ? '[...]' : v.kind === 'dict' ? '{...}' : '(...)';
  seen.add(v);
  try {
    const inner = (x: PyValue): string => repr(x, depth + 1, seen);
    switch (v.kind) {
      case 'list':
        return `[${v.items.map(inner).join(', ')}]`;
      case 'tuple':
        if (v.items.length === 1) return `(${inner(v.items[0] ?? null)},)`;
        return `(${v.items.map(inner).join(', ')})`;
      case 'dict':
        return `{${[...v.entries.values()].map((e) => `${inner(e.key)}: ${inner(e.value)}`).join(', ')}}`;
      case 'set': {
        const items = [...v.items.values()].map(inner).join(', ');
        if (v.frozen) return v.items.size === 0 ? 'frozenset()' : `frozenset({${items}})`;
        return v.items.size === 0 ? 'set()' : `{${items}}`;
      }
    }
  } finally {
    seen.delete(v);
  }
}

/** `str()`: strings as they are, everything else as its repr (objects may differ). */
export function str(v: PyValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && v.kind === 'object') return v.str();
  return repr(v);
}

export function truthy(v: PyValue): boolean {
  if (v === null) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
    case 'string':
      return v.length > 0;
  }
  switch (v.kind) {
    case 'list':
    case 'tuple':
      return v.items.length > 0;
    case 'dict':
      return v.entries.size > 0;
    case 'set':
      return v.items.size > 0;
    case 'bytes':
      return v.data.length > 0;
    case 'object':
      return true;
  }
}

/** Python `==`. */
export function pyEquals(a: PyValue, b: PyValue, depth = 0): boolean {
  if (a === b && typeof a === 'object' && a !== null) return true;
  if (depth > reprDepthMax) throw new PyException('RecursionError', 'maximum recursion depth exceeded in comparison');
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) {
    if (typeof na === 'bigint' && typeof nb === 'bigint') return na === nb;
    return Number(na) === Number(nb);
  }
  if (a === null || b === null) return a === b;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if ((a.kind === 'list' && b.kind === 'list') || (a.kind === 'tuple' && b.kind === 'tuple')) {
    return a.items.length === b.items.length && a.items.every((x, i) => pyEquals(x, b.items[i] ?? null, depth + 1));
  }
  if (a.kind === 'dict' && b.kind === 'dict') {
    if (a.entries.size !== b.entries.size) return false;
    for (const [h, e] of a.entries) {
      const other = b.entries.get(h);
      if (!other || !pyEquals(e.value, other.value, depth + 1)) return false;
    }
    return true;
  }
  if (a.kind === 'set' && b.kind === 'set') {
    return a.items.size === b.items.size && [...a.items.keys()].every((k) => b.items.has(k));
  }
  if (a.kind === 'bytes' && b.kind === 'bytes') {
    return a.data.length === b.data.length && a.data.every((x, i) => x === b.data[i]);
  }
  if (a.kind === 'object' && b.kind === 'object') return a === b || (a.typeName === b.typeName && a.repr() === b.repr());
  return false;
}

/** The numeric value of int/float/bool, or undefined. */
export function numeric(v: PyValue): bigint | number | undefined {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return undefined;
}
