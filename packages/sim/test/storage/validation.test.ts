import { describe, expect, it } from 'vitest';
import { validationFailureDetails } from '../../src/storage/validation';

// MongoDB 5.0+ explains a failed validator in errInfo.details (matcher/doc_validation_error.cpp;
// manual: core/schema-validation/view-validation-error-details).
describe('validationFailureDetails', () => {
  it('one clause: its operator, the clause as specified, the reason and the considered value and type', () => {
    expect(validationFailureDetails({ x: { $type: 'string' } }, { _id: 1, x: 1 })).toEqual({
      operatorName: '$type',
      specifiedAs: { x: { $type: 'string' } },
      reason: 'type did not match',
      consideredValue: 1,
      consideredType: 'int',
    });
    expect(validationFailureDetails({ x: { $type: 'string' } }, { _id: 1 })).toMatchObject({ reason: 'field was missing' });
  });

  it('several clauses: the implicit $and lists the clauses not satisfied by index', () => {
    expect(validationFailureDetails({ a: 1, b: { $gt: 5 } }, { _id: 1, a: 1, b: 2 })).toEqual({
      operatorName: '$and',
      clausesNotSatisfied: [{ index: 1, details: { operatorName: '$gt', specifiedAs: { b: { $gt: 5 } }, reason: 'comparison failed', consideredValue: 2 } }],
    });
  });
});
