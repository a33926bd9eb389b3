/**
 * Where a long command may wrap in the narrow lesson column. The page puts a soft break (`<wbr>`)
 * between pieces, so a line breaks here first:
 *
 * - after a space;
 * - after the commas, slashes, `?` and `&` of a connection string or a host list, so
 *   `mongodb://a:1,b:2/?replicaSet=x` breaks between hosts, never inside `morton.local` or a port;
 * - in code (a line with a call in it), outside its string literals: after an opening bracket and
 *   after the dot of `client.test.test.find_one()`, so a call chain wraps where a reader expects.
 *
 * Only a piece longer than the whole column breaks elsewhere (`overflow-wrap: anywhere`), and never
 * after the hyphen of an option (see `hyphenRuns`). Returns the pieces in order; joined they are the
 * command.
 */
export function softBreaks(command: string): string[] {
  const pieces: string[] = [];
  const code = /[A-Za-z_\]]\(/.test(command);
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < command.length; i += 1) {
    const char = command[i]!;
    const next = command[i + 1];
    if (quote !== null) {
      if (char === quote) quote = null;
    } else if (code && (char === '"' || char === "'")) {
      quote = char;
    }
    if (next === undefined || next === ' ') continue; // a break before a space is no use: the space breaks
    let breakAfter = char === ' ';
    // Never split `//` of a scheme.
    if ((char === ',' || char === '/' || char === '?' || char === '&') && next !== '/') breakAfter = true;
    // `readPreference=secondaryPreferred`, `replicaSet="foo"`: after the `=` of an option or a keyword argument.
    if (char === '=' && next !== '=' && i > 0 && /\w/.test(command[i - 1]!)) breakAfter = true;
    if (code && quote === null) {
      if ((char === '(' || char === '[' || char === '{') && !')]}'.includes(next)) breakAfter = true;
      if (char === '.' && /[A-Za-z_$]/.test(next) && i > 0 && /[\w)\]]/.test(command[i - 1]!)) breakAfter = true;
    }
    if (breakAfter) {
      pieces.push(command.slice(start, i + 1));
      start = i + 1;
    }
  }
  pieces.push(command.slice(start));
  return pieces;
}

/**
 * A piece cut where a browser must not break it: each run of hyphens with the character after it
 * (`--r` of `--replSet`) comes out as its own part, to be drawn unbroken, since a browser may break
 * a line after any hyphen and `-` / `-replSet` reads as a typo. Joined, the parts are the piece.
 */
export function hyphenRuns(piece: string): Array<{ text: string; keep: boolean }> {
  const parts: Array<{ text: string; keep: boolean }> = [];
  let last = 0;
  for (const match of piece.matchAll(/-+[^\s-]/g)) {
    if (match.index > last) parts.push({ text: piece.slice(last, match.index), keep: false });
    parts.push({ text: match[0], keep: true });
    last = match.index + match[0].length;
  }
  if (last < piece.length) parts.push({ text: piece.slice(last), keep: false });
  return parts;
}
