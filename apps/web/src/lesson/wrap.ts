/**
 * Where a long command may wrap in the narrow lesson column besides its spaces: after the commas,
 * slashes, `?` and `&` of a connection string or a host list, so `mongodb://a:1,b:2/?replicaSet=x`
 * breaks between hosts, never inside `morton.local` or a port. Returns the pieces in order; the
 * page puts a soft break (`<wbr>`) between them.
 */
export function softBreaks(command: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (let i = 0; i < command.length; i += 1) {
    const char = command[i];
    const next = command[i + 1];
    // Never split `//` of a scheme, and a break before a space is no use (the space breaks).
    if ((char === ',' || char === '/' || char === '?' || char === '&') && next !== undefined && next !== '/' && next !== ' ') {
      pieces.push(command.slice(start, i + 1));
      start = i + 1;
    }
  }
  pieces.push(command.slice(start));
  return pieces;
}
