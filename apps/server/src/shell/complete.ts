/**
 * Tab completion for the servers shell: it looks at the text before the cursor and returns where
 * the word being completed starts and the candidates that extend it. (Python and mongosh complete
 * in their own runtimes: rlcompleter over the live namespace, mongosh's autocomplete package.)
 */

export interface Completion {
  /** Offset in the line where the replaced word starts. */
  replaceFrom: number;
  /** Full replacement words, sorted, without duplicates. */
  candidates: string[];
}

/** Most candidates returned at once. */
export const completionCandidatesMax = 200;

function finish(replaceFrom: number, prefix: string, names: Iterable<string>, decorate: (n: string) => string = (n) => n): Completion {
  const candidates = [...new Set([...names].filter((n) => n.startsWith(prefix)))].sort().slice(0, completionCandidatesMax).map(decorate);
  return { replaceFrom, candidates };
}

export const bashCommands = [
  'cd', 'clear', 'echo', 'exit', 'false', 'help', 'hostname', 'kill', 'logs', 'mkdir', 'mongod', 'mongosh', 'ps', 'pwd', 'python',
  'python3', 'reset', 'tail', 'true', 'whoami',
];

export const mongodFlags = [
  '--bind_ip', '--bind_ip_all', '--dbpath', '--fork', '--help', '--logpath', '--oplogSize', '--port', '--replSet', '--rest', '--version',
];

/** `host` lists the running processes (the bash host's `ps`), for `kill` and `logs`. */
export function completeBash(line: string, cursor: number, host: { ps(): Array<{ pid: number }> }): Completion {
  const before = line.slice(0, cursor);
  const segment = before.split(/;|&&|\|\||&/).at(-1) ?? '';
  const segmentStart = before.length - segment.length;
  const m = /(\S*)$/.exec(segment);
  const word = m?.[1] ?? '';
  const wordStart = segmentStart + segment.length - word.length;
  const words = segment.slice(0, segment.length - word.length).trim().split(/\s+/).filter((w) => w !== '');
  const command = words[0];
  if (command === undefined) return finish(wordStart, word, bashCommands);
  if (command === 'mongod' && word.startsWith('-')) return finish(wordStart, word, mongodFlags);
  if (command === 'kill' || command === 'logs') {
    if (command === 'kill' && word.startsWith('-')) return finish(wordStart, word, ['-9', '-15', '-KILL', '-TERM', '-l', '-s']);
    return finish(wordStart, word, host.ps().map((p) => String(p.pid)));
  }
  if (command === 'mongosh' && word.startsWith('m')) return finish(wordStart, word, ['mongodb://']);
  return { replaceFrom: wordStart, candidates: [] };
}
