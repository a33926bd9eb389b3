import type { Document } from 'bson';
import { compileFilter } from './query';
import { bsonTypeName, isPlainObject, valueAtDottedPath } from './values';

/**
 * `errInfo.details` of a DocumentValidationFailure (121), as MongoDB 5.0+ explains a failed query
 * validator (matcher/doc_validation_error.cpp; manual: core/schema-validation, "View Validation
 * Failure Details"): for each clause of the validator that the document does not satisfy, its
 * operator, the clause as specified and why it failed. Several clauses form the implicit `$and`
 * with `clausesNotSatisfied`; one clause is reported by itself. The simulator explains the leaf
 * operators on a field (comparisons, `$type`, `$exists`, `$in`/`$nin`, `$regex`); any other clause
 * is reported with its operator and specification only.
 */
export function validationFailureDetails(validator: Document, doc: Document): Document {
  const clauses: Document[] = [];
  for (const [field, condition] of Object.entries(validator)) {
    if (field.startsWith('$')) {
      clauses.push({ [field]: condition });
      continue;
    }
    if (isPlainObject(condition) && Object.keys(condition).length > 0 && Object.keys(condition).every((key) => key.startsWith('$'))) {
      for (const [op, operand] of Object.entries(condition)) clauses.push({ [field]: { [op]: operand } });
    } else clauses.push({ [field]: condition });
  }
  const failed: Array<{ index: number; details: Document }> = [];
  clauses.forEach((clause, index) => {
    if (!compileFilter(clause)(doc)) failed.push({ index, details: explainClause(clause, doc) });
  });
  if (clauses.length === 1 && failed.length === 1) return failed[0]!.details;
  return { operatorName: '$and', clausesNotSatisfied: failed };
}

const COMPARISONS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte']);

function explainClause(clause: Document, doc: Document): Document {
  const [field, condition] = Object.entries(clause)[0] as [string, unknown];
  if (field.startsWith('$')) return { operatorName: field, specifiedAs: clause };
  const op = isPlainObject(condition) && Object.keys(condition)[0]?.startsWith('$') ? (Object.keys(condition)[0] as string) : '$eq';
  const value = valueAtDottedPath(doc, field);
  const details: Document = { operatorName: op, specifiedAs: clause };
  if (op === '$exists') return { ...details, reason: isPlainObject(condition) && condition.$exists ? 'path does not exist' : 'path does exist' };
  if (value === undefined && op !== '$ne' && op !== '$nin') return { ...details, reason: 'field was missing' };
  if (op === '$type') return { ...details, reason: 'type did not match', consideredValue: value, consideredType: bsonTypeName(value) };
  if (COMPARISONS.has(op)) return { ...details, reason: 'comparison failed', consideredValue: value };
  if (op === '$in') return { ...details, reason: 'no matching value found in array', consideredValue: value };
  if (op === '$nin') return { ...details, reason: 'matching value found in array', consideredValue: value };
  if (op === '$regex') return { ...details, reason: 'regular expression did not match', consideredValue: value };
  return details;
}
