import type { Document } from 'bson';
import type { Random } from '../../src/random/random';

/** One random CRUD command over a small key space, so that writes collide and unique indexes bite. */
export function randomCommand(random: Random): { db: string; body: Document } {
  const coll = random.pick(['a', 'b']);
  const db = random.pick(['test', 'test', 'test', 'other']);
  const key = (): number => random.int(0, 8);
  const value = (): unknown => random.pick<unknown>([random.int(0, 5), `s${random.int(0, 3)}`, null, [random.int(0, 3)], { x: random.int(0, 2) }]);
  switch (random.int(0, 11)) {
    case 0:
    case 1:
      return { db, body: { insert: coll, ordered: random.bool(), documents: [{ _id: key(), v: value(), u: random.int(0, 20) }, { v: value() }] } };
    case 2:
      return { db, body: { update: coll, updates: [{ q: { _id: key() }, u: { $set: { v: value() }, $inc: { n: 1 } }, upsert: random.bool() }] } };
    case 3:
      return { db, body: { update: coll, updates: [{ q: { v: value() }, u: { $unset: { v: '' }, $push: { log: random.int(0, 9) } }, multi: true }] } };
    case 4:
      return { db, body: { update: coll, updates: [{ q: { _id: key() }, u: { w: value(), u: random.int(0, 20) }, upsert: random.bool() }] } };
    case 5:
      return { db, body: { delete: coll, deletes: [{ q: { _id: { $lt: key() } }, limit: random.pick([0, 1]) }] } };
    case 6:
      return { db, body: { findAndModify: coll, query: { _id: key() }, update: { $set: { f: value() } }, upsert: true, new: random.bool() } };
    case 7:
      return { db, body: { findAndModify: coll, query: {}, sort: { _id: -1 }, remove: true } };
    case 8:
      return { db, body: { createIndexes: coll, indexes: [{ key: { u: 1 }, name: 'u_1', unique: true }] } };
    case 9:
      return { db, body: { dropIndexes: coll, index: 'u_1' } };
    case 10:
      return { db, body: random.bool(0.7) ? { drop: coll } : { create: coll } };
    default:
      return { db, body: { dropDatabase: 1 } };
  }
}
