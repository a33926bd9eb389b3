import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { describeUpdate } from '../../src/commands/crud/updateDescription';
import { Cluster } from '../../src/harness/cluster';

// An update event's updateDescription as mongod 7.0 gives it: the diff of the document before and
// after (update/document_diff_calculator.cpp) read back as dotted paths
// (change_stream_document_diff_parser.cpp): updatedFields, removedFields, truncatedArrays
// {field, newSize}; disambiguatedPaths (6.1+, showExpandedEvents) for paths with a numeric field
// name below the top level or a dotted one, array indices as integers. Change Streams spec:
// change-streams.yml "Test array truncation", change-streams-disambiguatedPaths.yml.

describe('describeUpdate (document_diff_calculator.cpp, change_stream_document_diff_parser.cpp)', () => {
  it('nested changes under dotted paths, new fields as updated, gone fields as removed', () => {
    expect(describeUpdate({ _id: 1, a: { b: 1, c: 2 }, d: 1 }, { _id: 1, a: { b: 5, c: 2, e: 3 }, f: 1 }, false)).toEqual({
      updatedFields: { 'a.b': 5, 'a.e': 3, f: 1 },
      removedFields: ['d'],
      truncatedArrays: [],
    });
  });

  it('arrays: elements by index, appended elements, a shorter array as truncatedArrays', () => {
    expect(describeUpdate({ _id: 1, array: ['foo', { a: 'bar' }, 1, 2, 3] }, { _id: 1, array: ['foo', { a: 'bar' }] }, false)).toEqual({
      updatedFields: {},
      removedFields: [],
      truncatedArrays: [{ field: 'array', newSize: 2 }],
    });
    expect(describeUpdate({ _id: 1, a: [1, { x: 1 }] }, { _id: 1, a: [9, { x: 2 }, 3] }, false).updatedFields).toEqual({ 'a.0': 9, 'a.1.x': 2, 'a.2': 3 });
    // A value of another type is updated whole.
    expect(describeUpdate({ _id: 1, a: [1] }, { _id: 1, a: { 0: 1 } }, false).updatedFields).toEqual({ a: { 0: 1 } });
  });

  it('disambiguatedPaths only with showExpandedEvents and only for ambiguous paths; indices as integers', () => {
    expect(describeUpdate({ _id: 1, a: { 1: 1 } }, { _id: 1, a: { 1: 2 } }, false).disambiguatedPaths).toBeUndefined();
    expect(describeUpdate({ _id: 1, a: { 1: 1 } }, { _id: 1, a: { 1: 2 } }, true).disambiguatedPaths).toEqual({ 'a.1': ['a', '1'] });
    expect(describeUpdate({ _id: 1, a: [{ 1: 1 }] }, { _id: 1, a: [{ 1: 2 }] }, true).disambiguatedPaths).toEqual({ 'a.0.1': ['a', 0, '1'] });
    expect(describeUpdate({ _id: 1, 'x.y': 1, 5: 1 }, { _id: 1, 'x.y': 2, 5: 2 }, true).disambiguatedPaths).toEqual({ 'x.y': ['x.y'] });
    // An array index alone is not ambiguous.
    expect(describeUpdate({ _id: 1, a: [1] }, { _id: 1, a: [2] }, true).disambiguatedPaths).toBeUndefined();
  });
});

describe('update events on a replica set', () => {
  it('a pipeline update that shortens an array is a truncation; $set of a numeric field is disambiguated under showExpandedEvents, on a secondary too', async () => {
    const c = new Cluster({ members: 3, seed: 91 });
    await c.initiate();
    const primary = await c.waitForPrimary(30_000);
    const w = { writeConcern: { w: 3 } };
    await c.command(primary, { insert: 'c', documents: [{ _id: 1, array: ['foo', { a: 'bar' }, 1, 2, 3], a: { 1: 1 } }], ...w }, { db: 'test' });
    const secondary = c.hosts.find((h) => h !== primary)!;
    const open = async (host: string, stage: Document): Promise<Document> =>
      ((await c.command(host, { aggregate: 'c', pipeline: [{ $changeStream: stage }], cursor: {}, $readPreference: { mode: 'primaryPreferred' } }, { db: 'test' })).cursor as Document);
    const plain = await open(primary, {});
    const expanded = await open(secondary, { showExpandedEvents: true });
    await c.command(primary, { update: 'c', updates: [{ q: { _id: 1 }, u: [{ $set: { array: ['foo', { a: 'bar' }] } }] }], ...w }, { db: 'test' });
    await c.command(primary, { update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { 'a.1': 2 } } }], ...w }, { db: 'test' });
    const events = async (host: string, cursor: Document): Promise<Document[]> =>
      ((await c.command(host, { getMore: cursor.id, collection: 'c', maxTimeMS: 500 }, { db: 'test' })).cursor as Document).nextBatch as Document[];
    const fromPrimary = await events(primary, plain);
    expect(fromPrimary.map((e) => e.updateDescription)).toEqual([
      { updatedFields: {}, removedFields: [], truncatedArrays: [{ field: 'array', newSize: 2 }] },
      { updatedFields: { 'a.1': 2 }, removedFields: [], truncatedArrays: [] },
    ]);
    const fromSecondary = await events(secondary, expanded);
    expect(fromSecondary[1]!.updateDescription).toEqual({ updatedFields: { 'a.1': 2 }, removedFields: [], truncatedArrays: [], disambiguatedPaths: { 'a.1': ['a', '1'] } });
    c.stopAll();
  });
});
