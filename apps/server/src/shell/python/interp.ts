/** Evaluates the lab's Python AST over host objects. Never `eval`s anything. */
import { abortable, throwIfAborted } from '../io';
import type { Expr, Stmt } from './parser';
import type { PyImpl } from './objects';
import { PyBoundMethod, PyBuiltinFunction, PyClass, PyModule, bindArgs } from './objects';
import type { PyContext, PyDict, PyValue } from './values';
import {
  PyException,
  PyObject,
  dict,
  dictGet,
  dictSet,
  floatRepr,
  hashKey,
  isDict,
  isList,
  isSet,
  isTuple,
  list,
  numeric,
  pyEquals,
  repr,
  set,
  str,
  truthy,
  tuple,
  typeName,
} from './values';

/** Raised by `exit()`/`quit()`. */
export class ExitRequest extends Error {
  override readonly name = 'ExitRequest';
}

export interface InterpreterLimits {
  /** Most iterations one `for` loop or comprehension runs. */
  loopIterationsMax: number;
  /** Longest list/str built by `*` or `range`. */
  sequenceLengthMax: number;
  /** Largest int, in bits, arithmetic may produce. */
  intBitsMax: number;
}

export const defaultInterpreterLimits: InterpreterLimits = {
  loopIterationsMax: 100_000,
  sequenceLengthMax: 1_000_000,
  intBitsMax: 65_536,
};

/** A printable object whose repr is a fixed text (`copyright`, `exit`). */
class PyTextObject extends PyObject {
  constructor(
    readonly typeName: string,
    private readonly text: string,
    private readonly onCall: PyImpl | null = null,
  ) {
    super();
  }
  repr(): string {
    return this.text;
  }
  override call(args: PyValue[], kwargs: Map<string, PyValue>, ctx: PyContext): PyValue | Promise<PyValue> | undefined {
    return this.onCall === null ? undefined : this.onCall(args, kwargs, ctx);
  }
}

/** `format(value, spec)` for the common specs: `[[fill]align][width][.precision][type]`. */
export function formatSpec(v: PyValue, spec: string): string {
  const m = /^(?:(.)?([<>^]))?(0)?(\d*)(,)?(?:\.(\d+))?([sdfe%])?$/.exec(spec);
  if (m === null) throw new PyException('ValueError', `Invalid format specifier '${spec}' for object of type '${typeName(v)}'`);
  const [, fillChar, align, zero, widthText, comma, precisionText, type] = m;
  const n = numeric(v);
  let text: string;
  const precision = precisionText === undefined ? undefined : Number(precisionText);
  if (type === 'f' || type === 'e' || type === '%') {
    if (n === undefined) throw new PyException('ValueError', `Unknown format code '${type}' for object of type '${typeName(v)}'`);
    const x = Number(n) * (type === '%' ? 100 : 1);
    text = type === 'e' ? x.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2') : x.toFixed(precision ?? 6);
    if (type === '%') text += '%';
  } else if (type === 'd') {
    if (typeof n !== 'bigint') throw new PyException('ValueError', `Unknown format code 'd' for object of type '${typeName(v)}'`);
    text = n.toString();
  } else {
    text = n !== undefined && precision !== undefined && typeof n === 'number' ? n.toFixed(precision) : str(v);
    if (typeof v === 'string' && precision !== undefined) text = v.slice(0, precision);
  }
  if (comma && n !== undefined) {
    const [intPart = '', frac] = text.split('.');
    text = intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac === undefined ? '' : `.${frac}`);
  }
  const width = widthText === '' || widthText === undefined ? 0 : Number(widthText);
  if (text.length >= width) return text;
  const fill = zero && !align ? '0' : (fillChar ?? ' ');
  const a = align ?? (zero ? '=' : n !== undefined && typeof v !== 'string' ? '>' : '<');
  const pad = width - text.length;
  if (a === '>' ) return fill.repeat(pad) + text;
  if (a === '^') return fill.repeat(Math.floor(pad / 2)) + text + fill.repeat(Math.ceil(pad / 2));
  if (a === '=') return text.startsWith('-') ? `-${fill.repeat(pad)}${text.slice(1)}` : fill.repeat(pad) + text;
  return text + fill.repeat(pad);
}

/** `range(...)`: prints as `range(0, 3)`, iterates lazily up to the lab's length limit. */
class PyRange extends PyObject {
  readonly typeName = 'range';
  constructor(
    private readonly start: bigint,
    private readonly stop: bigint,
    private readonly step: bigint,
    private readonly lengthMax: number,
  ) {
    super();
  }
  repr(): string {
    return this.step === 1n ? `range(${this.start}, ${this.stop})` : `range(${this.start}, ${this.stop}, ${this.step})`;
  }
  values(): PyValue[] {
    const out: PyValue[] = [];
    for (let i = this.start; this.step > 0n ? i < this.stop : i > this.stop; i += this.step) {
      if (out.length >= this.lengthMax) throw new PyException('MemoryError', '');
      out.push(i);
    }
    return out;
  }
  override iterate(): Promise<PyValue[]> {
    return Promise.resolve(this.values());
  }
}

const helpText = `This lab's Python has no interactive help system.
Try dir(obj) to list an object's attributes, or repr(obj) to see it.
PyMongo: from pymongo import MongoClient (today) or Connection (the 2010 API).
`;

function callKind(value: PyValue): string {
  return typeName(value);
}

export class PyInterpreter {
  readonly globals = new Map<string, PyValue>();
  readonly builtins = new Map<string, PyValue>();
  private readonly loadedModules = new Set<string>();

  constructor(
    private readonly modules: Map<string, PyModule>,
    private readonly limits: InterpreterLimits = defaultInterpreterLimits,
  ) {
    this.installBuiltins();
    this.globals.set('__name__', '__main__');
  }

  /** Names visible at top level, for completion. */
  visibleNames(): string[] {
    return [...new Set([...this.globals.keys(), ...this.builtins.keys()])].sort();
  }

  async exec(stmt: Stmt, ctx: PyContext, interactive: boolean): Promise<void> {
    throwIfAborted(ctx.signal);
    switch (stmt.t) {
      case 'pass':
        return;
      case 'expr': {
        const value = await this.eval(stmt.e, ctx);
        if (interactive && value !== null) {
          ctx.write(`${repr(value)}\n`);
          this.builtins.set('_', value);
        }
        return;
      }
      case 'assign': {
        const value = await this.eval(stmt.value, ctx);
        for (const target of stmt.targets) await this.assign(target, value, ctx);
        return;
      }
      case 'augassign': {
        const current = await this.eval(stmt.target, ctx);
        const value = await this.eval(stmt.value, ctx);
        await this.assign(stmt.target, this.binary(stmt.op, current, value), ctx);
        return;
      }
      case 'del':
        for (const target of stmt.targets) await this.delete(target, ctx);
        return;
      case 'import':
        for (const { module, asname } of stmt.names) {
          const mod = this.importModule(module);
          if (asname !== null) this.globals.set(asname, mod);
          else {
            const top = module.split('.')[0] ?? module;
            this.globals.set(top, this.importModule(top));
          }
        }
        return;
      case 'from': {
        const mod = this.importModule(stmt.module);
        for (const { name, asname } of stmt.names) {
          if (name === '*') {
            for (const [k, v] of mod.attrs) if (!k.startsWith('_')) this.globals.set(k, v);
            continue;
          }
          const value = mod.attrs.get(name) ?? this.modules.get(`${stmt.module}.${name}`);
          if (value === undefined) {
            const file = mod.repr().match(/from '(.*)'>$/)?.[1];
            throw new PyException('ImportError', `cannot import name '${name}' from '${stmt.module}'${file ? ` (${file})` : ' (unknown location)'}`);
          }
          this.globals.set(asname ?? name, value);
        }
        return;
      }
      case 'for': {
        const iterable = await this.eval(stmt.iter, ctx);
        const items = await this.iterate(iterable, ctx);
        let count = 0;
        for (const item of items) {
          throwIfAborted(ctx.signal);
          if (++count > this.limits.loopIterationsMax) {
            throw new PyException('LabError', `this lab stops a loop after ${this.limits.loopIterationsMax} iterations`);
          }
          if (count % 1000 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
          this.globals.set(stmt.target, item);
          for (const [i, bodyStmt] of stmt.body.entries()) {
            try {
              await this.exec(bodyStmt, ctx, interactive);
            } catch (e) {
              if (e instanceof PyException) e.lineNumber = stmt.bodyLines[i] ?? 1;
              throw e;
            }
          }
        }
        return;
      }
    }
  }

  private importModule(name: string): PyModule {
    const mod = this.modules.get(name);
    if (mod === undefined) {
      const known = [...this.modules.keys()].some((m) => name.startsWith(`${m}.`));
      if (known) {
        const parent = name.split('.').slice(0, -1).join('.');
        throw new PyException('ModuleNotFoundError', `No module named '${name}'; '${parent}' is not a package`);
      }
      throw new PyException('ModuleNotFoundError', `No module named '${name}'`);
    }
    this.loadedModules.add(name);
    return mod;
  }

  private async assign(target: Expr, value: PyValue, ctx: PyContext): Promise<void> {
    switch (target.t) {
      case 'name':
        this.globals.set(target.id, value);
        return;
      case 'tuple':
      case 'list': {
        const items = await this.iterate(value, ctx);
        if (items.length !== target.items.length) {
          if (items.length > target.items.length) throw new PyException('ValueError', `too many values to unpack (expected ${target.items.length})`);
          throw new PyException('ValueError', `not enough values to unpack (expected ${target.items.length}, got ${items.length})`);
        }
        for (const [i, t] of target.items.entries()) await this.assign(t, items[i] ?? null, ctx);
        return;
      }
      case 'sub': {
        const obj = await this.eval(target.obj, ctx);
        const key = await this.eval(target.index, ctx);
        if (isDict(obj)) {
          dictSet(obj, key, value);
          return;
        }
        if (isList(obj)) {
          obj.items[this.index(obj.items.length, key, 'list assignment')] = value;
          return;
        }
        throw new PyException('TypeError', `'${typeName(obj)}' object does not support item assignment`);
      }
      case 'attr': {
        const obj = await this.eval(target.obj, ctx);
        if (obj instanceof PyObject) {
          throw new PyException('AttributeError', `'${obj.typeName}' object attribute '${target.name}' is read-only`);
        }
        throw new PyException('AttributeError', `'${typeName(obj)}' object attribute '${target.name}' is read-only`);
      }
      default:
        throw new PyException('SyntaxError', 'cannot assign to expression');
    }
  }

  private async delete(target: Expr, ctx: PyContext): Promise<void> {
    if (target.t === 'name') {
      if (!this.globals.delete(target.id)) throw new PyException('NameError', `name '${target.id}' is not defined`);
      return;
    }
    if (target.t === 'sub') {
      const obj = await this.eval(target.obj, ctx);
      const key = await this.eval(target.index, ctx);
      if (isDict(obj)) {
        if (!obj.entries.delete(hashKey(key))) throw new PyException('KeyError', repr(key));
        return;
      }
      if (isList(obj)) {
        obj.items.splice(this.index(obj.items.length, key, 'list assignment'), 1);
        return;
      }
      throw new PyException('TypeError', `'${typeName(obj)}' object doesn't support item deletion`);
    }
    throw new PyException('SyntaxError', 'cannot delete expression');
  }

  private index(length: number, key: PyValue, what: string): number {
    if (typeof key === 'boolean') key = key ? 1n : 0n;
    if (typeof key !== 'bigint') throw new PyException('TypeError', `${what.split(' ')[0]} indices must be integers or slices, not ${typeName(key)}`);
    let i = Number(key);
    if (i < 0) i += length;
    if (i < 0 || i >= length) throw new PyException('IndexError', `${what} index out of range`);
    return i;
  }

  async iterate(value: PyValue, ctx: PyContext): Promise<PyValue[]> {
    if (typeof value === 'string') return [...value];
    if (isList(value) || isTuple(value)) return [...value.items];
    if (isDict(value)) return [...value.entries.values()].map((e) => e.key);
    if (isSet(value)) return [...value.items.values()];
    if (value instanceof PyObject) {
      const it = value.iterate(ctx);
      if (it !== undefined) return abortable(it, ctx.signal);
    }
    throw new PyException('TypeError', `'${typeName(value)}' object is not iterable`);
  }

  async eval(e: Expr, ctx: PyContext): Promise<PyValue> {
    switch (e.t) {
      case 'const':
        return e.value;
      case 'name': {
        const v = this.globals.get(e.id) ?? this.builtins.get(e.id);
        if (v === undefined) throw new PyException('NameError', `name '${e.id}' is not defined`);
        return v;
      }
      case 'list': {
        const items: PyValue[] = [];
        for (const item of e.items) items.push(await this.eval(item, ctx));
        return list(items);
      }
      case 'tuple': {
        const items: PyValue[] = [];
        for (const item of e.items) items.push(await this.eval(item, ctx));
        return tuple(items);
      }
      case 'set': {
        const items: PyValue[] = [];
        for (const item of e.items) items.push(await this.eval(item, ctx));
        return set(items);
      }
      case 'dict': {
        const d = dict();
        for (const [i, k] of e.keys.entries()) {
          const key = await this.eval(k, ctx);
          const valueExpr = e.values[i];
          dictSet(d, key, valueExpr === undefined ? null : await this.eval(valueExpr, ctx));
        }
        return d;
      }
      case 'attr': {
        const obj = await this.eval(e.obj, ctx);
        return this.getAttr(obj, e.name, ctx);
      }
      case 'sub': {
        const obj = await this.eval(e.obj, ctx);
        if (e.index.t === 'slice') {
          const lo = e.index.lo === null ? null : await this.eval(e.index.lo, ctx);
          const hi = e.index.hi === null ? null : await this.eval(e.index.hi, ctx);
          return this.slice(obj, lo, hi);
        }
        const key = await this.eval(e.index, ctx);
        return this.getItem(obj, key, ctx);
      }
      case 'slice':
        throw new PyException('SyntaxError', 'invalid syntax');
      case 'call': {
        const fn = await this.eval(e.fn, ctx);
        const args: PyValue[] = [];
        for (const a of e.args) args.push(await this.eval(a, ctx));
        const kwargs = new Map<string, PyValue>();
        for (const [k, v] of e.kwargs) kwargs.set(k, await this.eval(v, ctx));
        return this.call(fn, args, kwargs, ctx);
      }
      case 'unary': {
        const v = await this.eval(e.e, ctx);
        if (e.op === 'not') return !truthy(v);
        const n = numeric(v);
        if (n === undefined) throw new PyException('TypeError', `bad operand type for unary ${e.op}: '${typeName(v)}'`);
        if (e.op === '+') return n;
        return typeof n === 'bigint' ? -n : -n;
      }
      case 'bin': {
        const l = await this.eval(e.l, ctx);
        const r = await this.eval(e.r, ctx);
        return this.binary(e.op, l, r);
      }
      case 'bool': {
        const l = await this.eval(e.l, ctx);
        if (e.op === 'and') return truthy(l) ? this.eval(e.r, ctx) : l;
        return truthy(l) ? l : this.eval(e.r, ctx);
      }
      case 'ifexp':
        return truthy(await this.eval(e.cond, ctx)) ? this.eval(e.a, ctx) : this.eval(e.b, ctx);
      case 'cmp': {
        let left = await this.eval(e.operands[0] ?? e, ctx);
        for (const [i, op] of e.ops.entries()) {
          const rightExpr = e.operands[i + 1];
          if (rightExpr === undefined) break;
          const right = await this.eval(rightExpr, ctx);
          if (!(await this.compare(op, left, right, ctx))) return false;
          left = right;
        }
        return true;
      }
      case 'fstring': {
        let out = '';
        for (const part of e.parts) {
          if (typeof part === 'string') {
            out += part;
            continue;
          }
          const v = await this.eval(part.e, ctx);
          const text = part.conversion === 'r' ? repr(v) : part.spec === '' ? str(v) : formatSpec(v, part.spec);
          out += part.conversion === 'r' && part.spec !== '' ? formatSpec(text, part.spec) : text;
        }
        return this.checkLength(out);
      }
      case 'listcomp': {
        const items = await this.iterate(await this.eval(e.iter, ctx), ctx);
        const saved = this.globals.get(e.name);
        const out: PyValue[] = [];
        try {
          for (const [n, item] of items.entries()) {
            throwIfAborted(ctx.signal);
            if (n >= this.limits.loopIterationsMax) {
              throw new PyException('LabError', `this lab stops a loop after ${this.limits.loopIterationsMax} iterations`);
            }
            this.globals.set(e.name, item);
            if (e.cond !== null && !truthy(await this.eval(e.cond, ctx))) continue;
            out.push(await this.eval(e.elt, ctx));
          }
        } finally {
          if (saved === undefined) this.globals.delete(e.name);
          else this.globals.set(e.name, saved);
        }
        return list(out);
      }
    }
  }

  async call(fn: PyValue, args: PyValue[], kwargs: Map<string, PyValue>, ctx: PyContext): Promise<PyValue> {
    if (fn instanceof PyObject) {
      const result = fn.call(args, kwargs, ctx);
      if (result !== undefined) return result instanceof Promise ? abortable(result, ctx.signal) : result;
    }
    throw new PyException('TypeError', `'${callKind(fn)}' object is not callable`);
  }

  async getAttr(obj: PyValue, name: string, ctx: PyContext): Promise<PyValue> {
    if (obj instanceof PyObject) {
      const v = obj.getAttr(name, ctx);
      if (v !== undefined) return v instanceof Promise ? abortable(v, ctx.signal) : v;
      if (obj instanceof PyModule) throw new PyException('AttributeError', `module '${obj.name}' has no attribute '${name}'`);
      if (obj instanceof PyClass) throw new PyException('AttributeError', `type object '${obj.name}' has no attribute '${name}'`);
      throw new PyException('AttributeError', `'${obj.typeName}' object has no attribute '${name}'`);
    }
    const method = this.builtinMethod(obj, name);
    if (method !== undefined) return method;
    throw new PyException('AttributeError', `'${typeName(obj)}' object has no attribute '${name}'`);
  }

  private async getItem(obj: PyValue, key: PyValue, ctx: PyContext): Promise<PyValue> {
    if (isDict(obj)) {
      const v = dictGet(obj, key);
      if (v === undefined) throw new PyException('KeyError', repr(key));
      return v;
    }
    if (isList(obj) || isTuple(obj)) return obj.items[this.index(obj.items.length, key, obj.kind)] ?? null;
    if (typeof obj === 'string') return [...obj][this.index([...obj].length, key, 'string')] ?? '';
    if (obj instanceof PyObject) {
      const v = obj.getItem(key, ctx);
      if (v !== undefined) return v instanceof Promise ? abortable(v, ctx.signal) : v;
    }
    throw new PyException('TypeError', `'${typeName(obj)}' object is not subscriptable`);
  }

  private slice(obj: PyValue, lo: PyValue, hi: PyValue): PyValue {
    const bound = (v: PyValue, len: number, dflt: number): number => {
      if (v === null) return dflt;
      if (typeof v !== 'bigint') throw new PyException('TypeError', 'slice indices must be integers or None or have an __index__ method');
      let n = Number(v);
      if (n < 0) n = Math.max(0, n + len);
      return Math.min(n, len);
    };
    if (typeof obj === 'string') {
      const chars = [...obj];
      return chars.slice(bound(lo, chars.length, 0), bound(hi, chars.length, chars.length)).join('');
    }
    if (isList(obj)) return list(obj.items.slice(bound(lo, obj.items.length, 0), bound(hi, obj.items.length, obj.items.length)));
    if (isTuple(obj)) return tuple(obj.items.slice(bound(lo, obj.items.length, 0), bound(hi, obj.items.length, obj.items.length)));
    throw new PyException('TypeError', `'${typeName(obj)}' object is not subscriptable`);
  }

  private async compare(op: string, l: PyValue, r: PyValue, ctx: PyContext): Promise<boolean> {
    switch (op) {
      case '==':
        return pyEquals(l, r);
      case '!=':
        return !pyEquals(l, r);
      case 'is':
        return l === r || (l === null && r === null);
      case 'is not':
        return !(l === r || (l === null && r === null));
      case 'in':
      case 'not in': {
        let found: boolean;
        if (typeof r === 'string') {
          if (typeof l !== 'string') throw new PyException('TypeError', `'in <string>' requires string as left operand, not ${typeName(l)}`);
          found = r.includes(l);
        } else if (isDict(r)) found = dictGet(r, l) !== undefined;
        else if (isSet(r)) found = r.items.has(hashKey(l));
        else found = (await this.iterate(r, ctx)).some((x) => pyEquals(x, l));
        return op === 'in' ? found : !found;
      }
    }
    const ln = numeric(l);
    const rn = numeric(r);
    let c: number;
    if (ln !== undefined && rn !== undefined) c = ln < rn ? -1 : ln > rn ? 1 : 0;
    else if (typeof l === 'string' && typeof r === 'string') c = l < r ? -1 : l > r ? 1 : 0;
    else throw new PyException('TypeError', `'${op}' not supported between instances of '${typeName(l)}' and '${typeName(r)}'`);
    switch (op) {
      case '<':
        return c < 0;
      case '>':
        return c > 0;
      case '<=':
        return c <= 0;
      default:
        return c >= 0;
    }
  }

  private checkInt(n: bigint): bigint {
    const bits = n < 0n ? (-n).toString(2).length : n.toString(2).length;
    if (bits > this.limits.intBitsMax) throw new PyException('MemoryError', '');
    return n;
  }

  binary(op: string, l: PyValue, r: PyValue): PyValue {
    const ln = numeric(l);
    const rn = numeric(r);
    if (ln !== undefined && rn !== undefined) {
      if (typeof ln === 'bigint' && typeof rn === 'bigint' && op !== '/') {
        switch (op) {
          case '+':
            return this.checkInt(ln + rn);
          case '-':
            return this.checkInt(ln - rn);
          case '*':
            return this.checkInt(ln * rn);
          case '//':
          case '%': {
            if (rn === 0n) throw new PyException('ZeroDivisionError', op === '//' ? 'integer division or modulo by zero' : 'integer modulo by zero');
            let q = ln / rn;
            if ((ln % rn !== 0n) && ((ln < 0n) !== (rn < 0n))) q -= 1n;
            return op === '//' ? q : ln - q * rn;
          }
          case '**':
            if (rn < 0n) return Number(ln) ** Number(rn);
            if (ln !== 0n && ln !== 1n && ln !== -1n && rn > BigInt(this.limits.intBitsMax)) throw new PyException('MemoryError', '');
            return this.checkInt(ln ** rn);
          case '&':
            return ln & rn;
          case '|':
            return ln | rn;
          case '^':
            return ln ^ rn;
        }
      }
      const a = Number(ln);
      const b = Number(rn);
      switch (op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          if (b === 0) throw new PyException('ZeroDivisionError', typeof ln === 'bigint' && typeof rn === 'bigint' ? 'division by zero' : 'float division by zero');
          return a / b;
        case '//':
          if (b === 0) throw new PyException('ZeroDivisionError', 'float floor division by zero');
          return Math.floor(a / b);
        case '%':
          if (b === 0) throw new PyException('ZeroDivisionError', 'float modulo');
          return a - Math.floor(a / b) * b;
        case '**':
          return a ** b;
      }
    }
    if (op === '+') {
      if (typeof l === 'string' && typeof r === 'string') return this.checkLength(l + r);
      if (isList(l) && isList(r)) return list([...l.items, ...r.items]);
      if (isTuple(l) && isTuple(r)) return tuple([...l.items, ...r.items]);
      if (typeof l === 'string') throw new PyException('TypeError', `can only concatenate str (not "${typeName(r)}") to str`);
      if (isList(l)) throw new PyException('TypeError', `can only concatenate list (not "${typeName(r)}") to list`);
    }
    if (op === '*') {
      const [seq, times] = typeof r === 'bigint' ? [l, r] : [r, l];
      if (typeof times === 'bigint') {
        const n = times < 0n ? 0 : Number(times);
        if (typeof seq === 'string') {
          if (seq.length * n > this.limits.sequenceLengthMax) throw new PyException('MemoryError', '');
          return seq.repeat(n);
        }
        if (isList(seq)) {
          if (seq.items.length * n > this.limits.sequenceLengthMax) throw new PyException('MemoryError', '');
          return list(Array.from({ length: n }, () => seq.items).flat());
        }
      }
    }
    if (isSet(l) && isSet(r) && ['|', '&', '-', '^'].includes(op)) {
      const keys = new Map<string, PyValue>();
      if (op === '|') for (const m of [l, r]) for (const [k, v] of m.items) keys.set(k, v);
      if (op === '&') for (const [k, v] of l.items) if (r.items.has(k)) keys.set(k, v);
      if (op === '-') for (const [k, v] of l.items) if (!r.items.has(k)) keys.set(k, v);
      if (op === '^') {
        for (const [k, v] of l.items) if (!r.items.has(k)) keys.set(k, v);
        for (const [k, v] of r.items) if (!l.items.has(k)) keys.set(k, v);
      }
      return set([...keys.values()], l.frozen);
    }
    if (op === '%' && typeof l === 'string') return this.percentFormat(l, r);
    if (op === '|' && isDict(l) && isDict(r)) {
      const d = dict([...l.entries.values()].map((e) => [e.key, e.value]));
      for (const e of r.entries.values()) dictSet(d, e.key, e.value);
      return d;
    }
    const opShown = op === '**' ? '** or pow()' : op;
    throw new PyException('TypeError', `unsupported operand type(s) for ${opShown}: '${typeName(l)}' and '${typeName(r)}'`);
  }

  private readonly ids = new WeakMap<object, string>();
  private nextId = 0x7f1c_2a3b_0000;
  private addressOfValue(v: PyValue): string {
    if (typeof v !== 'object' || v === null) return (0x7f1c_0000_0000 + (typeof v === 'bigint' ? Number(v % 100000n) * 32 : 16)).toString(16);
    let a = this.ids.get(v);
    if (a === undefined) {
      a = this.nextId.toString(16);
      this.nextId += 0x40;
      this.ids.set(v, a);
    }
    return a;
  }

  /** `'%s: %d' % (a, b)`: the common conversions (%s %r %d %i %f %%). */
  private percentFormat(fmt: string, arg: PyValue): string {
    const args = isTuple(arg) ? [...arg.items] : [arg];
    let used = 0;
    const out = fmt.replace(/%(\.[0-9]+)?([srdif%])/g, (_m, precision: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      if (used >= args.length) throw new PyException('TypeError', 'not enough arguments for format string');
      const v = args[used++] ?? null;
      if (conv === 's') return str(v);
      if (conv === 'r') return repr(v);
      const n = numeric(v);
      if (n === undefined) throw new PyException('TypeError', `%${conv} format: a real number is required, not ${typeName(v)}`);
      if (conv === 'f') return Number(n).toFixed(precision ? Number(precision.slice(1)) : 6);
      return typeof n === 'bigint' ? n.toString() : Math.trunc(n).toString();
    });
    if (used < args.length) throw new PyException('TypeError', 'not all arguments converted during string formatting');
    return this.checkLength(out);
  }

  private checkLength(s: string): string {
    if (s.length > this.limits.sequenceLengthMax) throw new PyException('MemoryError', '');
    return s;
  }

  /** Methods of the built-in types the lab supports. */
  private builtinMethod(obj: PyValue, name: string): PyValue | undefined {
    const m = (impl: PyImpl): PyValue => new PyBuiltinFunction(name, impl);
    if (isDict(obj)) {
      const d: PyDict = obj;
      switch (name) {
        case 'get':
          return m((args, kwargs) => {
            const b = bindArgs({ fname: 'get', params: ['key', 'default'], required: 1 }, args, kwargs);
            return dictGet(d, b.get('key') ?? null) ?? b.get('default') ?? null;
          });
        case 'keys':
          return m(() => list([...d.entries.values()].map((e) => e.key)));
        case 'values':
          return m(() => list([...d.entries.values()].map((e) => e.value)));
        case 'items':
          return m(() => list([...d.entries.values()].map((e) => tuple([e.key, e.value]))));
        case 'update':
          return m((args) => {
            const other = args[0];
            if (other !== undefined && isDict(other)) for (const e of other.entries.values()) dictSet(d, e.key, e.value);
            return null;
          });
        case 'pop':
          return m((args) => {
            const key = args[0] ?? null;
            const v = dictGet(d, key);
            if (v === undefined) {
              if (args.length > 1) return args[1] ?? null;
              throw new PyException('KeyError', repr(key));
            }
            d.entries.delete(hashKey(key));
            return v;
          });
        case 'copy':
          return m(() => dict([...d.entries.values()].map((e) => [e.key, e.value])));
      }
    }
    if (isList(obj)) {
      switch (name) {
        case 'append':
          return m((args, kwargs) => {
            const b = bindArgs({ fname: 'list.append', params: ['object'], required: 1 }, args, kwargs);
            if (obj.items.length >= this.limits.sequenceLengthMax) throw new PyException('MemoryError', '');
            obj.items.push(b.get('object') ?? null);
            return null;
          });
        case 'pop':
          return m((args) => {
            if (obj.items.length === 0) throw new PyException('IndexError', 'pop from empty list');
            const i = args[0] === undefined ? obj.items.length - 1 : this.index(obj.items.length, args[0], 'pop');
            return obj.items.splice(i, 1)[0] ?? null;
          });
      }
    }
    if (typeof obj === 'string') {
      switch (name) {
        case 'upper':
          return m(() => obj.toUpperCase());
        case 'lower':
          return m(() => obj.toLowerCase());
        case 'strip':
          return m(() => obj.trim());
        case 'startswith':
          return m((args) => typeof args[0] === 'string' && obj.startsWith(args[0]));
        case 'endswith':
          return m((args) => typeof args[0] === 'string' && obj.endsWith(args[0]));
        case 'split':
          return m((args) => list(typeof args[0] === 'string' ? obj.split(args[0]) : obj.trim().split(/\s+/).filter((x) => x !== '')));
        case 'join':
          return m(async (args, _kwargs, ctx) => {
            const parts = await this.iterate(args[0] ?? null, ctx);
            for (const [i, p] of parts.entries()) {
              if (typeof p !== 'string') throw new PyException('TypeError', `sequence item ${i}: expected str instance, ${typeName(p)} found`);
            }
            return this.checkLength(parts.join(obj));
          });
      }
    }
    return undefined;
  }

  private installBuiltins(): void {
    const b = (name: string, impl: PyImpl): void => {
      this.builtins.set(name, new PyBuiltinFunction(name, impl));
    };
    b('print', (args, kwargs, ctx) => {
      for (const k of kwargs.keys()) {
        if (!['sep', 'end', 'file', 'flush'].includes(k)) throw new PyException('TypeError', `'${k}' is an invalid keyword argument for print()`);
      }
      const bound = bindArgs({ fname: 'print', params: [], keywords: ['sep', 'end', 'file', 'flush'] }, [], kwargs);
      const sep = bound.get('sep') ?? ' ';
      const end = bound.get('end') ?? '\n';
      if (typeof sep !== 'string') throw new PyException('TypeError', `sep must be None or a string, not ${typeName(sep)}`);
      if (typeof end !== 'string') throw new PyException('TypeError', `end must be None or a string, not ${typeName(end)}`);
      ctx.write(args.map(str).join(sep) + end);
      return null;
    });
    b('len', async (args, kwargs, ctx) => {
      if (kwargs.size > 0) throw new PyException('TypeError', 'len() takes no keyword arguments');
      if (args.length !== 1) throw new PyException('TypeError', `len() takes exactly one argument (${args.length} given)`);
      const v = args[0] ?? null;
      if (v instanceof PyRange) return BigInt(v.values().length);
      if (typeof v === 'string') return BigInt([...v].length);
      if (isList(v) || isTuple(v)) return BigInt(v.items.length);
      if (isDict(v)) return BigInt(v.entries.size);
      if (isSet(v)) return BigInt(v.items.size);
      if (typeof v === 'object' && v !== null && v.kind === 'bytes') return BigInt(v.data.length);
      void ctx;
      throw new PyException('TypeError', `object of type '${typeName(v)}' has no len()`);
    });
    b('repr', (args, kwargs) => repr(bindArgs({ fname: 'repr', params: ['obj'], required: 1 }, args, kwargs).get('obj') ?? null));
    b('str', (args) => (args.length === 0 ? '' : str(args[0] ?? null)));
    b('int', (args) => {
      const v = args[0] ?? 0n;
      if (typeof v === 'bigint') return v;
      if (typeof v === 'boolean') return v ? 1n : 0n;
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new PyException(Number.isNaN(v) ? 'ValueError' : 'OverflowError', Number.isNaN(v) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer');
        return BigInt(Math.trunc(v));
      }
      if (typeof v === 'string' && /^\s*[+-]?[0-9_]+\s*$/.test(v)) return BigInt(v.trim().replace(/_/g, ''));
      if (typeof v === 'string') throw new PyException('ValueError', `invalid literal for int() with base 10: ${repr(v)}`);
      throw new PyException('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`);
    });
    b('float', (args) => {
      const v = args[0] ?? 0;
      const n = numeric(v);
      if (n !== undefined) return Number(n);
      if (typeof v === 'string') {
        const t = v.trim().toLowerCase();
        if (t === 'nan') return NaN;
        if (t === 'inf' || t === 'infinity') return Infinity;
        if (t === '-inf' || t === '-infinity') return -Infinity;
        if (/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/.test(t)) return Number(t);
        throw new PyException('ValueError', `could not convert string to float: ${repr(v)}`);
      }
      throw new PyException('TypeError', `float() argument must be a string or a real number, not '${typeName(v)}'`);
    });
    b('bool', (args) => truthy(args[0] ?? false));
    b('list', async (args, _k, ctx) => list(args.length === 0 ? [] : await this.iterate(args[0] ?? null, ctx)));
    b('tuple', async (args, _k, ctx) => tuple(args.length === 0 ? [] : await this.iterate(args[0] ?? null, ctx)));
    b('set', async (args, _k, ctx) => set(args.length === 0 ? [] : await this.iterate(args[0] ?? null, ctx)));
    b('dict', (args, kwargs) => {
      const d = dict();
      const first = args[0];
      if (first !== undefined && isDict(first)) for (const e of first.entries.values()) dictSet(d, e.key, e.value);
      for (const [k, v] of kwargs) dictSet(d, k, v);
      return d;
    });
    b('format', (args, kwargs) => {
      const bound = bindArgs({ fname: 'format', params: ['value', 'format_spec'], required: 1 }, args, kwargs);
      const spec = bound.get('format_spec') ?? '';
      if (typeof spec !== 'string') throw new PyException('TypeError', `format() argument 2 must be str, not ${typeName(spec)}`);
      const v = bound.get('value') ?? null;
      return spec === '' ? str(v) : formatSpec(v, spec);
    });
    b('sorted', async (args, _k, ctx) => {
      const items = await this.iterate(args[0] ?? null, ctx);
      const out = [...items];
      for (let i = 1; i < out.length; i++) {
        for (let j = i; j > 0 && (await this.compare('<', out[j] ?? null, out[j - 1] ?? null, ctx)); j--) {
          [out[j - 1], out[j]] = [out[j] ?? null, out[j - 1] ?? null];
        }
      }
      return list(out);
    });
    b('range', (args) => {
      if (args.length === 0) throw new PyException('TypeError', 'range expected at least 1 argument, got 0');
      if (args.length > 3) throw new PyException('TypeError', `range expected at most 3 arguments, got ${args.length}`);
      const ints = args.map((a) => {
        if (typeof a !== 'bigint') throw new PyException('TypeError', `'${typeName(a)}' object cannot be interpreted as an integer`);
        return a;
      });
      const [start, stop, step] = ints.length === 1 ? [0n, ints[0] ?? 0n, 1n] : [ints[0] ?? 0n, ints[1] ?? 0n, ints[2] ?? 1n];
      if (step === 0n) throw new PyException('ValueError', 'range() arg 3 must not be zero');
      return new PyRange(start, stop, step, this.limits.sequenceLengthMax);
    });
    const numbers = async (args: PyValue[], ctx: PyContext, fname: string): Promise<PyValue[]> => {
      const items = args.length === 1 ? await this.iterate(args[0] ?? null, ctx) : args;
      if (items.length === 0) throw new PyException('ValueError', `${fname}() arg is an empty sequence`);
      return items;
    };
    b('max', async (args, _k, ctx) => {
      const items = await numbers(args, ctx, 'max');
      let best = items[0] ?? null;
      for (const x of items.slice(1)) if (await this.compare('>', x, best, ctx)) best = x;
      return best;
    });
    b('min', async (args, _k, ctx) => {
      const items = await numbers(args, ctx, 'min');
      let best = items[0] ?? null;
      for (const x of items.slice(1)) if (await this.compare('<', x, best, ctx)) best = x;
      return best;
    });
    b('sum', async (args, _k, ctx) => {
      let total: PyValue = args[1] ?? 0n;
      for (const x of await this.iterate(args[0] ?? null, ctx)) total = this.binary('+', total, x);
      return total;
    });
    b('round', (args) => {
      const n = numeric(args[0] ?? null);
      if (n === undefined) throw new PyException('TypeError', `type ${typeName(args[0] ?? null)} doesn't define __round__ method`);
      if (typeof n === 'bigint') return n;
      const digits = args[1];
      if (typeof digits === 'bigint') {
        const f = 10 ** Number(digits);
        return Math.round(n * f) / f;
      }
      const r = Math.round(n);
      return BigInt(Math.abs(n % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r);
    });
    b('id', (args) => BigInt(parseInt(this.addressOfValue(args[0] ?? null), 16)));
    b('type', (args) => {
      if (args.length !== 1) throw new PyException('TypeError', 'type() takes 1 or 3 arguments');
      const v = args[0] ?? null;
      const qualified = v instanceof PyObject ? v.qualifiedTypeName : typeName(v);
      return new PyClass(qualified.split('.').at(-1) ?? qualified, qualified);
    });
    b('dir', (args) => {
      if (args.length === 0) return list([...this.globals.keys()].sort());
      const v = args[0] ?? null;
      if (v instanceof PyObject) return list(v.attributeNames());
      const names: Record<string, string[]> = {
        dict: ['copy', 'get', 'items', 'keys', 'pop', 'update', 'values'],
        list: ['append', 'pop'],
        str: ['endswith', 'join', 'lower', 'split', 'startswith', 'strip', 'upper'],
      };
      return list(names[typeName(v)] ?? []);
    });
    this.builtins.set(
      'help',
      new PyTextObject('_Helper', 'Type help() for interactive help, or help(object) for help about object.', (_args, _kwargs, ctx) => {
        ctx.write(helpText);
        return null;
      }),
    );
    b('isinstance', () => {
      throw new PyException('NotImplementedError', "isinstance() is not supported in this lab's Python");
    });
    b('abs', (args) => {
      const n = numeric(args[0] ?? null);
      if (n === undefined) throw new PyException('TypeError', `bad operand type for abs(): '${typeName(args[0] ?? null)}'`);
      return typeof n === 'bigint' ? (n < 0n ? -n : n) : Math.abs(n);
    });
    const exitImpl: PyImpl = () => {
      throw new ExitRequest();
    };
    this.builtins.set('exit', new PyTextObject('Quitter', 'Use exit() or Ctrl-D (i.e. EOF) to exit', exitImpl));
    this.builtins.set('quit', new PyTextObject('Quitter', 'Use quit() or Ctrl-D (i.e. EOF) to exit', exitImpl));
    this.builtins.set(
      'copyright',
      new PyTextObject(
        '_Printer',
        'Copyright (c) 2001-2023 Python Software Foundation.\nAll Rights Reserved.\n\nCopyright (c) 2000 BeOpen.com.\nAll Rights Reserved.\n\n' +
          'Copyright (c) 1995-2001 Corporation for National Research Initiatives.\nAll Rights Reserved.\n\n' +
          'Copyright (c) 1991-1995 Stichting Mathematisch Centrum, Amsterdam.\nAll Rights Reserved.',
      ),
    );
    this.builtins.set('credits', new PyTextObject('_Printer', '    Thanks to CWI, CNRI, BeOpen.com, Zope Corporation and a cast of thousands\n    for supporting Python development.  See www.python.org for more information.'));
    this.builtins.set('license', new PyTextObject('_Printer', 'Type license() to see the full license text'));
    for (const name of ['Exception', 'ValueError', 'TypeError', 'KeyError', 'NameError', 'AttributeError']) {
      this.builtins.set(name, new PyClass(name, name));
    }
    void PyBoundMethod;
    void floatRepr;
  }
}
