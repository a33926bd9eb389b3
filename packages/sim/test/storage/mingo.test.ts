import { Code } from 'bson';
import { describe, expect, it } from 'vitest';
import { aggregateDocuments, applyUpdate, compileFilter } from '../../src/storage/query';

/** src/storage/mingo.ts: the operator context every query, aggregation and update runs with. */

const scores = [
  { _id: 1, team: 'red', score: 10 },
  { _id: 2, team: 'red', score: 30 },
  { _id: 3, team: 'blue', score: 20 },
  { _id: 4, team: 'blue', score: 20 },
];

describe('mingo operator context', () => {
  // https://www.mongodb.com/docs/manual/reference/operator/aggregation/setWindowFields/ and .../rank/:
  // tied documents share a rank and the next rank skips.
  it('runs $setWindowFields, whose outputs mingo computes through its own $function', () => {
    const ranked = aggregateDocuments(scores, [{ $setWindowFields: { partitionBy: '$team', sortBy: { score: -1 }, output: { rank: { $rank: {} } } } }, { $sort: { _id: 1 } }]);
    expect(ranked.map((doc) => [doc._id, doc.rank])).toEqual([
      [1, 2],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    const running = aggregateDocuments(scores, [
      { $setWindowFields: { partitionBy: '$team', sortBy: { _id: 1 }, output: { total: { $sum: '$score', window: { documents: ['unbounded', 'current'] } } } } },
      { $sort: { _id: 1 } },
    ]);
    expect(running.map((doc) => doc.total)).toEqual([10, 40, 20, 40]);
  });

  it("refuses a client's $function, $where and $accumulator: no input runs as code", () => {
    const body = new Code('function (x) { return x * 2; }');
    expect(() => aggregateDocuments(scores, [{ $project: { twice: { $function: { body, args: ['$score'], lang: 'js' } } } }])).toThrow(/\$function is not allowed/);
    expect(() => aggregateDocuments(scores, [{ $project: { twice: { $function: { body: 'function (x) { return x * 2; }', args: ['$score'], lang: 'js' } } } }])).toThrow(
      /\$function is not allowed/,
    );
    expect(() => compileFilter({ $where: 'this.score > 10' })).toThrow(/scriptEnabled/);
    const accumulator = { init: 'function () { return 0; }', accumulate: 'function (s, v) { return s + v; }', accumulateArgs: ['$score'], merge: 'function (a, b) { return a + b; }', lang: 'js' };
    expect(() => aggregateDocuments(scores, [{ $group: { _id: null, total: { $accumulator: accumulator } } }])).toThrow(/scriptEnabled/);
  });

  // mingo.ts gives a filter or update that uses only query operators a context without the
  // aggregation tables (it is cheaper for mingo to copy); `$expr` anywhere needs the full one.
  // https://www.mongodb.com/docs/manual/reference/operator/query/expr/ ($expr inside $or / $and).
  it('evaluates $expr wherever it sits in a filter', () => {
    const ids = (filter: Record<string, unknown>): unknown[] => scores.filter(compileFilter(filter)).map((doc) => doc._id);
    // Expressions named like query operators ($gt, $eq, $and) as well as others ($multiply).
    expect(ids({ $expr: { $gt: ['$score', 25] } })).toEqual([2]);
    expect(ids({ $or: [{ team: 'green' }, { $expr: { $and: [{ $gt: ['$score', 15] }, { $eq: ['$team', 'red'] }] } }] })).toEqual([2]);
    expect(ids({ $and: [{ team: 'blue' }, { $nor: [{ $expr: { $eq: ['$_id', 3] } }] }] })).toEqual([4]);
    expect(ids({ $expr: { $gt: [{ $multiply: ['$score', 2] }, 50] } })).toEqual([2]);
    expect(ids({ score: { $in: [20, 30] }, $or: [{ _id: { $gte: 3 } }, { team: { $regex: '^r', $options: 'i' } }] })).toEqual([2, 3, 4]);
  });

  // https://www.mongodb.com/docs/manual/reference/operator/update/pull/ (a condition on the
  // elements) and .../positional-filtered/ (arrayFilters).
  it('runs updates whose $pull conditions and array filters are queries', () => {
    const doc = { _id: 1, votes: [1, 3, 5, 7], items: [{ v: 1 }, { v: 2 }, { v: 3 }] };
    expect(applyUpdate(doc, { $pull: { votes: { $gte: 5 } } }, 'operators')).toEqual({ _id: 1, votes: [1, 3], items: doc.items });
    const flagged = applyUpdate(doc, { $set: { 'items.$[e].big': true } }, 'operators', { arrayFilters: [{ 'e.v': { $gt: 1, $nin: [3] } }] });
    expect(flagged.items).toEqual([{ v: 1 }, { v: 2, big: true }, { v: 3 }]);
    expect(applyUpdate(doc, { $inc: { 'items.$.v': 10 } }, 'operators', { filter: { 'items.v': { $eq: 2 } } }).items).toEqual([{ v: 1 }, { v: 12 }, { v: 3 }]);
    expect(doc.votes).toEqual([1, 3, 5, 7]);
  });
});
