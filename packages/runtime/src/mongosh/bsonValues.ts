/**
 * Values from the server arrive in canonical Extended JSON, so an int32 or a double comes back as
 * BSON's `Int32`/`Double` wrapper. mongosh's driver promotes those to JavaScript numbers (the
 * driver's `promoteValues`) and keeps 64-bit integers as `Long` (mongosh sets `promoteLongs:
 * false`): do the same here, so `{ ok: 1 }` prints as mongosh prints it.
 */
export function promoteValues<T>(value: T): T {
  return promote(value, 0) as T;
}

/** Deeper than any document the server may send (BSON's own nesting limit is 100). */
const depthMax = 200;

function promote(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > depthMax) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) value[i] = promote(value[i], depth + 1);
    return value;
  }
  const bsontype = (value as { _bsontype?: unknown })._bsontype;
  if (bsontype === 'Int32' || bsontype === 'Double') return (value as { value: number }).value;
  if (bsontype !== undefined) return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = promote(record[key], depth + 1);
  return value;
}
