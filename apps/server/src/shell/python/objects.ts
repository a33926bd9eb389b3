/** Generic Python objects: modules, functions, classes, bound methods, and argument binding. */
import type { PyContext, PyValue } from './values';
import { PyException, PyObject, isDict, repr, typeName } from './values';

export type PyImpl = (args: PyValue[], kwargs: Map<string, PyValue>, ctx: PyContext) => PyValue | Promise<PyValue>;

export class PyModule extends PyObject {
  readonly typeName = 'module';
  constructor(
    readonly name: string,
    readonly attrs: Map<string, PyValue>,
    private readonly file: string | null = null,
  ) {
    super();
  }
  repr(): string {
    return this.file === null ? `<module '${this.name}' (built-in)>` : `<module '${this.name}' from '${this.file}'>`;
  }
  override attributeNames(): string[] {
    return [...this.attrs.keys()];
  }
  override getAttr(name: string): PyValue | undefined {
    return this.attrs.get(name);
  }
}

export class PyBuiltinFunction extends PyObject {
  readonly typeName = 'builtin_function_or_method';
  constructor(
    readonly name: string,
    private readonly impl: PyImpl,
  ) {
    super();
  }
  repr(): string {
    return `<built-in function ${this.name}>`;
  }
  override call(args: PyValue[], kwargs: Map<string, PyValue>, ctx: PyContext): PyValue | Promise<PyValue> {
    return this.impl(args, kwargs, ctx);
  }
}

/** A class object (`<class 'pymongo.mongo_client.MongoClient'>`), callable when it constructs. */
export class PyClass extends PyObject {
  readonly typeName = 'type';
  constructor(
    readonly name: string,
    readonly qualifiedName: string,
    private readonly construct: PyImpl | null = null,
    readonly attrs = new Map<string, PyValue>(),
  ) {
    super();
  }
  repr(): string {
    return `<class '${this.qualifiedName}'>`;
  }
  override attributeNames(): string[] {
    return [...this.attrs.keys()];
  }
  override getAttr(name: string): PyValue | undefined {
    if (name === '__name__') return this.name;
    return this.attrs.get(name);
  }
  override call(args: PyValue[], kwargs: Map<string, PyValue>, ctx: PyContext): PyValue | Promise<PyValue> | undefined {
    if (this.construct === null) throw new PyException('TypeError', `cannot create '${this.qualifiedName}' instances`);
    return this.construct(args, kwargs, ctx);
  }
}

export class PyBoundMethod extends PyObject {
  readonly typeName = 'method';
  constructor(
    private readonly owner: PyObject,
    readonly name: string,
    private readonly impl: PyImpl,
  ) {
    super();
  }
  repr(): string {
    return `<bound method ${this.owner.typeName}.${this.name} of ${this.owner.repr()}>`;
  }
  override call(args: PyValue[], kwargs: Map<string, PyValue>, ctx: PyContext): PyValue | Promise<PyValue> {
    return this.impl(args, kwargs, ctx);
  }
}

export interface ParamSpec {
  /** Shown in messages: `Collection.find_one`. */
  fname: string;
  /** Positional-or-keyword parameter names, in order. */
  params: string[];
  /** How many of `params` are required. */
  required?: number;
  /** Extra keyword names accepted (collected, not positional). */
  keywords?: string[];
  /** Accept any keyword (PyMongo's `**kwargs`). */
  anyKeywords?: boolean;
}

/** Binds call arguments as CPython does, with its TypeError messages. */
export function bindArgs(spec: ParamSpec, args: PyValue[], kwargs: Map<string, PyValue>): Map<string, PyValue> {
  const bound = new Map<string, PyValue>();
  const required = spec.required ?? 0;
  if (args.length > spec.params.length) {
    const takes = required === spec.params.length ? `${spec.params.length + 1}` : `from ${required + 1} to ${spec.params.length + 1}`;
    throw new PyException(
      'TypeError',
      `${spec.fname}() takes ${takes} positional argument${spec.params.length === 0 ? '' : 's'} but ${args.length + 1} were given`,
    );
  }
  args.forEach((value, i) => bound.set(spec.params[i] ?? '', value));
  for (const [name, value] of kwargs) {
    const known = spec.params.includes(name) || (spec.keywords ?? []).includes(name) || spec.anyKeywords === true;
    if (!known) throw new PyException('TypeError', `${spec.fname}() got an unexpected keyword argument '${name}'`);
    if (bound.has(name)) throw new PyException('TypeError', `${spec.fname}() got multiple values for argument '${name}'`);
    bound.set(name, value);
  }
  const missing = spec.params.slice(0, required).filter((p) => !bound.has(p));
  if (missing.length > 0) {
    const names = missing.map((m) => `'${m}'`);
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
    throw new PyException(
      'TypeError',
      `${spec.fname}() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${list}`,
    );
  }
  return bound;
}

export function expectNoArgs(fname: string, args: PyValue[], kwargs: Map<string, PyValue>): void {
  bindArgs({ fname, params: [] }, args, kwargs);
}

export function requireDict(value: PyValue, what: string): void {
  if (!isDict(value)) {
    throw new PyException(
      'TypeError',
      `${what} must be an instance of dict, bson.son.SON, or any other type that inherits from collections.Mapping`,
    );
  }
}

export function requireStr(value: PyValue, what: string): string {
  if (typeof value !== 'string') throw new PyException('TypeError', `${what} must be an instance of str`);
  return value;
}

export function describeType(value: PyValue): string {
  return typeName(value);
}

export function showValue(value: PyValue): string {
  return repr(value);
}
