/**
 * Node's `util` for mongosh's packages in the browser. `inspect` is Node's own, extracted
 * (node-inspect-extracted), so documents print exactly as mongosh prints them in a terminal.
 */
import { format, formatWithOptions, inspect, stripVTControlCharacters } from 'node-inspect-extracted';

type Callback = (error: unknown, value?: unknown) => void;

export function promisify<T>(fn: (...args: [...unknown[], Callback]) => void): (...args: unknown[]) => Promise<T> {
  return (...args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      fn(...args, (error: unknown, value?: unknown) => (error ? reject(error) : resolve(value as T)));
    });
}

export function inherits(ctor: { prototype: object }, superCtor: { prototype: object }): void {
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

export function deprecate<T>(fn: T): T {
  return fn;
}

export const types = {
  isPromise: (value: unknown): boolean => value instanceof Promise,
  isDate: (value: unknown): boolean => value instanceof Date,
  isRegExp: (value: unknown): boolean => value instanceof RegExp,
  isNativeError: (value: unknown): boolean => value instanceof Error,
};

export { format, formatWithOptions, inspect, stripVTControlCharacters };
export const { TextEncoder, TextDecoder } = globalThis;

export default { format, formatWithOptions, inspect, stripVTControlCharacters, promisify, inherits, deprecate, types, TextEncoder, TextDecoder };
