import { Decimal128, Double, Int32, Long } from 'bson';
import type { Document } from 'bson';
import { serverError } from '../../base/errors';
import { bsonTypeName, isPlainObject } from '../../storage/values';

export { bsonTypeName };

function wrongType(command: string, field: string, value: unknown, expected: string): never {
  throw serverError('TypeMismatch', `BSON field '${command}.${field}' is the wrong type '${bsonTypeName(value)}', expected type '${expected}'`);
}

/** A number from any BSON numeric type, or undefined when it is not one. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Int32 || value instanceof Double) return value.valueOf();
  if (value instanceof Decimal128) return Number(value.toString());
  return undefined;
}

export function asBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (value instanceof Long) return value.toBigInt();
  const n = asNumber(value);
  return n !== undefined && Number.isInteger(n) ? BigInt(n) : undefined;
}

/** Reads fields of one command document with mongod's type errors. */
export class CommandReader {
  constructor(
    readonly command: string,
    readonly body: Document,
  ) {}

  has(field: string): boolean {
    return this.body[field] !== undefined;
  }

  object(field: string): Document | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (!isPlainObject(value)) wrongType(this.command, field, value, 'object');
    return value;
  }

  array(field: string): unknown[] | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) wrongType(this.command, field, value, 'array');
    return value;
  }

  string(field: string): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') wrongType(this.command, field, value, 'string');
    return value;
  }

  /** Booleans as mongod's IDL accepts them: bool or any number. */
  bool(field: string): boolean | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    const n = asNumber(value);
    if (n === undefined) wrongType(this.command, field, value, 'bool');
    return n !== 0;
  }

  /** A whole number (int, long, or integral double). */
  integer(field: string): number | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    const n = asNumber(value);
    if (n === undefined) wrongType(this.command, field, value, 'long');
    if (!Number.isInteger(n)) throw serverError('BadValue', `BSON field '${this.command}.${field}' must be a whole number, got ${n}`);
    return n;
  }

  nonNegative(field: string, label: string): number | undefined {
    const n = this.integer(field);
    if (n !== undefined && n < 0) throw serverError('BadValue', `${label} value must be non-negative, but received: ${n}`);
    return n;
  }
}

/** The collection named by the command's first field (`{find: 'c'}`); InvalidNamespace (73) when it is not a string. */
export function collectionArgument(command: string, body: Document, db: string): string {
  const value = body[command];
  if (typeof value !== 'string') {
    throw serverError('InvalidNamespace', `collection name has invalid type ${bsonTypeName(value)}`);
  }
  if (value.length === 0) throw serverError('InvalidNamespace', `Invalid namespace specified '${db}.'`);
  return value;
}
