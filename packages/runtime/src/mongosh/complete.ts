import { completer } from '@mongosh/autocomplete';
import type { ShellInstanceState } from '@mongosh/shell-api';

export interface Completion {
  /** The candidates replace the line from here up to the cursor. */
  replaceFrom: number;
  candidates: string[];
}

/** Names offered for a bare identifier, besides mongosh's own: what the learner defined. */
const identifierAtEnd = /[A-Za-z_$][\w$]*$/;

/**
 * Tab completion: mongosh's own autocomplete package (`db.`, `db.coll.`, `rs.`, `sh.`, `show `,
 * `use `, collection and database names, query operators, filtered by server version and
 * topology), and for a bare word the names defined in the shell's global scope, as Node's REPL
 * adds them under mongosh. (mongosh 2.x can also load a TypeScript-based completer; its 1.8 MB of
 * JavaScript is too much for a page, so the classic one is used, as with USE_NEW_AUTOCOMPLETE=0.)
 */
export async function completeMongosh(
  instanceState: ShellInstanceState,
  context: Record<string, unknown>,
  line: string,
  cursor: number,
): Promise<Completion> {
  const before = line.slice(0, cursor);
  const params = instanceState.getAutocompleteParameters();
  const [hits] = (await completer(params, before)) ?? [[]];
  if (hits.length > 0) return { replaceFrom: 0, candidates: [...new Set(hits)].sort() };
  const word = identifierAtEnd.exec(before)?.[0];
  if (word === undefined || (before.length > word.length && before[before.length - word.length - 1] === '.')) {
    return { replaceFrom: cursor, candidates: [] };
  }
  const names = new Set<string>();
  for (let scope: object | null = context; scope && scope !== Object.prototype; scope = Object.getPrototypeOf(scope)) {
    for (const name of Object.getOwnPropertyNames(scope)) if (name.startsWith(word) && !name.startsWith('_')) names.add(name);
  }
  return { replaceFrom: cursor - word.length, candidates: [...names].sort() };
}
