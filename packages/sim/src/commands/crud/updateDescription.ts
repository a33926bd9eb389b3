import type { Document } from 'bson';
import { bsonEqual } from '../../storage/storage';
import { isPlainObject } from '../../storage/values';

/** An update event's `updateDescription` (manual: reference/change-events/update). */
export interface UpdateDescription {
  updatedFields: Document;
  removedFields: string[];
  truncatedArrays: Document[];
  /** showExpandedEvents (6.1+): the ambiguous paths' components; undefined when none is. */
  disambiguatedPaths?: Document;
}

type PathPart = string | number;

/**
 * A path is ambiguous when a field name below the top level is all digits or any field name has a
 * dot: its dotted form could name an array element or another field (change_stream_document_diff_parser.cpp).
 */
function ambiguous(path: readonly PathPart[]): boolean {
  return path.some((part, index) => typeof part === 'string' && (part.includes('.') || (index > 0 && /^[0-9]+$/.test(part))));
}

/**
 * What changed from `before` to `after`, as mongod's document diff describes it
 * (update/document_diff_calculator.cpp, read back by change_stream_document_diff_parser.cpp):
 * fields new or changed are updatedFields under their dotted paths, descending into objects and
 * arrays both sides have (array elements by index); fields gone are removedFields; an array made
 * shorter is a truncatedArrays entry `{field, newSize}`. With `expanded` (showExpandedEvents) every
 * ambiguous path also gets its components in disambiguatedPaths, array indices as integers.
 */
export function describeUpdate(before: Document, after: Document, expanded: boolean): UpdateDescription {
  const out: UpdateDescription = { updatedFields: {}, removedFields: [], truncatedArrays: [] };
  const disambiguated: Document = {};
  const note = (path: readonly PathPart[]): string => {
    const dotted = path.join('.');
    if (expanded && ambiguous(path)) disambiguated[dotted] = [...path];
    return dotted;
  };
  const same = (a: unknown, b: unknown): boolean => bsonEqual({ v: a }, { v: b });
  const visit = (a: unknown, b: unknown, path: PathPart[]): void => {
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const [key, value] of Object.entries(b)) {
        if (!(key in a)) out.updatedFields[note([...path, key])] = value;
        else if (!same(a[key], value)) visit(a[key], value, [...path, key]);
      }
      for (const key of Object.keys(a)) if (!(key in b)) out.removedFields.push(note([...path, key]));
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && path.length > 0) {
      b.forEach((value: unknown, index) => {
        if (index >= a.length) out.updatedFields[note([...path, index])] = value;
        else if (!same(a[index], value)) visit(a[index], value, [...path, index]);
      });
      if (b.length < a.length) out.truncatedArrays.push({ field: note(path), newSize: b.length });
      return;
    }
    out.updatedFields[note(path)] = b;
  };
  visit(before, after, []);
  if (Object.keys(disambiguated).length > 0) out.disambiguatedPaths = disambiguated;
  return out;
}
