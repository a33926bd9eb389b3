import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { CrudHarness } from './crud-helpers';

// validate (commands/validate.cpp CmdValidate::run; catalog/collection_validation.cpp validate;
// catalog/validate_state.cpp; catalog/validate_results.cpp appendToResultObj; manual:
// reference/command/validate). mongosh's db.coll.validate(options) sends {validate: coll, ...options}.

function setup(): CrudHarness {
  const h = new CrudHarness();
  h.run('app', { insert: 'c', documents: [{ _id: 1, x: 1, tags: ['a', 'b'] }, { _id: 2, x: 2, tags: ['b'] }, { _id: 3, x: 3 }] });
  h.run('app', { createIndexes: 'c', indexes: [{ key: { x: 1 }, name: 'x_1', unique: true }, { key: { tags: 1 }, name: 'tags_1' }] });
  return h;
}

/** The unique index's key map, reached past the class's privacy to corrupt it as a bad disk would. */
function uniqueEntries(h: CrudHarness, name: string): Map<string, string> {
  const collection = h.storage.getCollection('app', 'c') as unknown as { indexStates: Array<{ spec: { name: string }; entries?: Map<string, string> }> };
  return collection.indexStates.find((state) => state.spec.name === name)!.entries!;
}

describe('validate', () => {
  it('replies as mongod 7.0 does, field for field and in order, with the collection UUID and a key count per index', () => {
    const h = setup();
    const reply = h.run('app', { validate: 'c' });
    expect(Object.keys(reply)).toEqual([
      'ns', 'uuid', 'nInvalidDocuments', 'nNonCompliantDocuments', 'nrecords', 'nIndexes', 'keysPerIndex', 'indexDetails',
      'valid', 'repaired', 'warnings', 'errors', 'extraIndexEntries', 'missingIndexEntries', 'corruptRecords', 'ok',
    ]);
    expect(reply).toEqual({
      ns: 'app.c',
      uuid: h.storage.getCollection('app', 'c')!.uuid,
      nInvalidDocuments: 0,
      nNonCompliantDocuments: 0,
      nrecords: 3,
      nIndexes: 3,
      // tags_1 is multikey: one key per distinct array element, and one (null) for the document without tags.
      keysPerIndex: { _id_: 3, x_1: 3, tags_1: 4 },
      indexDetails: { _id_: { valid: true }, x_1: { valid: true }, tags_1: { valid: true } },
      valid: true,
      repaired: false,
      warnings: [],
      errors: [],
      extraIndexEntries: [],
      missingIndexEntries: [],
      corruptRecords: [],
      ok: 1,
    });
    expect(h.run('app', { validate: 'c', full: true })).toMatchObject({ valid: true, nrecords: 3 });
    expect(h.run('app', { validate: 'c', background: true })).toMatchObject({ valid: true, nrecords: 3 });
  });

  it('an index entry missing for a document makes the collection and that index invalid, with the advice (index_consistency.cpp)', () => {
    const h = setup();
    const entries = uniqueEntries(h, 'x_1');
    const [key] = [...entries].find(([, idKey]) => idKey === [...h.storage.getCollection('app', 'c')!.docs.keys()][1])!;
    entries.delete(key);
    const reply = h.run('app', { validate: 'c' });
    expect(reply.valid).toBe(false);
    expect(reply.keysPerIndex).toEqual({ _id_: 3, x_1: 2, tags_1: 4 });
    expect(reply.indexDetails).toEqual({ _id_: { valid: true }, x_1: { valid: false }, tags_1: { valid: true } });
    expect(reply.errors).toEqual(['Detected 1 missing index entries.']);
    expect(reply.missingIndexEntries).toEqual([{ indexName: 'x_1', idKey: { _id: 2 }, indexKey: { x: 2 } }]);
    expect(reply.extraIndexEntries).toEqual([]);
    expect(reply.advice).toBe('A corrupt namespace has been detected. See http://dochub.mongodb.org/core/data-recovery for recovery steps.');
    expect(reply.ok).toBe(1);
  });

  it('an index entry no document generates is an extra entry', () => {
    const h = setup();
    const entries = uniqueEntries(h, 'x_1');
    const [, idKey] = [...entries][0]!;
    entries.set('stale-key', idKey);
    const reply = h.run('app', { validate: 'c', full: true });
    expect(reply.valid).toBe(false);
    expect(reply.keysPerIndex.x_1).toBe(4);
    expect(reply.errors).toEqual(['Detected 1 extra index entries.']);
    expect(reply.extraIndexEntries).toEqual([{ indexName: 'x_1', indexKey: { x: 1 } }]);
    expect(reply.indexDetails.x_1).toEqual({ valid: false });
  });

  it('documents the validator no longer matches are counted in nNonCompliantDocuments with a warning; the collection stays valid', () => {
    const h = setup();
    h.run('app', { collMod: 'c', validator: { x: { $lte: 1 } }, validationLevel: 'strict' });
    const reply = h.run('app', { validate: 'c' });
    expect(reply.nNonCompliantDocuments).toBe(2);
    expect(reply.valid).toBe(true);
    expect(reply.warnings).toHaveLength(1);
    expect(reply.advice).toBeUndefined();
  });

  it('refuses a missing collection (NamespaceNotFound 26) and a view (CommandNotSupportedOnView 166), as ValidateState does', () => {
    const h = setup();
    expect(h.run('app', { validate: 'nope' })).toEqual({ ok: 0, errmsg: "Collection 'app.nope' does not exist to validate.", code: 26, codeName: 'NamespaceNotFound' });
    h.run('app', { create: 'v', viewOn: 'c', pipeline: [] });
    expect(h.run('app', { validate: 'v' })).toEqual({ ok: 0, errmsg: 'Cannot validate a view', code: 166, codeName: 'CommandNotSupportedOnView' });
  });

  it('refuses the option pairs CmdValidate::run refuses (InvalidOptions 72); flags are read as trueValue', () => {
    const h = setup();
    const bad = (body: Document): Document => h.run('app', { validate: 'c', ...body });
    expect(bad({ background: true, full: true })).toMatchObject({ ok: 0, code: 72, codeName: 'InvalidOptions', errmsg: 'Running the validate command with both { background: true } and { full: true } is not supported.' });
    expect(bad({ background: 1, full: 1 })).toMatchObject({ ok: 0, code: 72 });
    expect(bad({ background: true, enforceFastCount: true })).toMatchObject({ ok: 0, errmsg: 'Running the validate command with both { background: true } and { enforceFastCount: true } is not supported.' });
    expect(bad({ background: true, repair: true })).toMatchObject({ ok: 0, code: 72 });
    expect(bad({ metadata: true, full: true })).toMatchObject({ ok: 0, errmsg: 'Running the validate command with { metadata: true } is not supported with any other options' });
    expect(bad({ background: false, full: true })).toMatchObject({ ok: 1, valid: true });
    expect(bad({ background: 0, full: 0 })).toMatchObject({ ok: 1 });
  });

  it('takes a collection name: InvalidNamespace for another type', () => {
    const h = setup();
    expect(h.run('app', { validate: 1 })).toMatchObject({ ok: 0, code: 73 });
  });
});
