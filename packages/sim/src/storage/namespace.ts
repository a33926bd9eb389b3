import { invalidNamespace, serverError } from '../base/errors';

/** MongoDB's name limits. */
export const databaseNameBytesMax = 63;
export const namespaceBytesMax = 255;

export interface Namespace {
  db: string;
  coll: string;
}

const DB_FORBIDDEN = /[/\\. "$\0]/;

/** Throws InvalidNamespace (73) with mongod's wording for a bad database name. */
export function checkDatabaseName(db: string): void {
  if (db.length === 0 || DB_FORBIDDEN.test(db) || Buffer.byteLength(db) > databaseNameBytesMax) {
    throw serverError('InvalidNamespace', `Invalid database name: '${db}'`);
  }
}

/** Throws InvalidNamespace (73) `Invalid namespace specified 'db.coll'` for a bad collection name. */
export function checkCollectionName(db: string, coll: string): void {
  checkDatabaseName(db);
  const full = `${db}.${coll}`;
  if (coll.length === 0 || coll.includes('\0') || coll.startsWith('.') || coll.includes('$') && !coll.startsWith('oplog.$')) {
    throw invalidNamespace(full);
  }
  if (Buffer.byteLength(full) > namespaceBytesMax) {
    throw serverError('InvalidNamespace', `Fully qualified namespace is too long. Namespace: ${full} Max: ${namespaceBytesMax}`);
  }
}

export function parseNamespace(ns: string): Namespace {
  const dot = ns.indexOf('.');
  if (dot <= 0) throw invalidNamespace(ns);
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

export function formatNamespace(db: string, coll: string): string {
  return `${db}.${coll}`;
}

/** Writes to these databases are not replicated (mongod never logs them in the oplog). */
export function isReplicatedDatabase(db: string): boolean {
  return db !== 'local';
}
