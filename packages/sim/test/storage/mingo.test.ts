import { Code } from 'bson';
import { describe, expect, it } from 'vitest';
import { aggregateDocuments, compileFilter } from '../../src/storage/query';

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
});
