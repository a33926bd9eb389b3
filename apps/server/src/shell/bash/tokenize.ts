/**
 * The bash-like command line: words with quoting, escapes and `$VAR` expansion, `#` comments, and
 * the control operators `;`, `&`, `&&`, `||`. Pipes and redirections are recognised so they can be
 * refused with a clear message. Nothing here runs anything.
 */

export type BashToken =
  | { kind: 'word'; text: string; start: number }
  | { kind: 'op'; op: ';' | '&' | '&&' | '||' | '|' | '>' | '>>' | '<' | '(' | ')'; start: number };

export type TokenizeResult =
  | { status: 'ok'; tokens: BashToken[] }
  /** The line ends inside a quote, after a trailing `\`, or after `&&`/`||`/`|`: ask for more. */
  | { status: 'incomplete'; lookingFor: '"' | "'" | '`' | '\\' | 'command' }
  | { status: 'error'; message: string };

export interface ExpandEnv {
  variable(name: string): string | undefined;
  /** `$(...)`/backquotes: the output of a command the lab can substitute, or undefined. */
  substitute(command: string): string | undefined;
}

const OPS = ['&&', '||', '>>', ';', '&', '|', '>', '<', '(', ')'] as const;

/** Tokenizes a (possibly multi-line, joined with `\n`) command line. */
export function tokenizeBash(src: string, env: ExpandEnv): TokenizeResult {
  const tokens: BashToken[] = [];
  let i = 0;
  let word = '';
  let inWord = false;
  let wordStart = 0;
  const flush = (): void => {
    if (inWord) tokens.push({ kind: 'word', text: word, start: wordStart });
    word = '';
    inWord = false;
  };
  const append = (s: string): void => {
    if (!inWord) {
      inWord = true;
      wordStart = i;
    }
    word += s;
  };
  const expandDollar = (inDouble: boolean): TokenizeResult | null => {
    // src[i] === '$'
    const rest = src.slice(i + 1);
    if (rest.startsWith('(')) {
      const close = rest.indexOf(')');
      if (close < 0) return { status: 'incomplete', lookingFor: 'command' };
      const command = rest.slice(1, close).trim();
      const out = env.substitute(command);
      if (out === undefined) return { status: 'error', message: `bash: command substitution of '${command.slice(0, 80)}' is not supported in this lab's shell` };
      append(out);
      i += close + 2;
      return null;
    }
    const braced = /^\{([A-Za-z_][A-Za-z0-9_]*|\?)\}/.exec(rest);
    const plain = /^([A-Za-z_][A-Za-z0-9_]*|\?|\$)/.exec(rest);
    const m = braced ?? plain;
    if (m === null) {
      if (rest.startsWith('{')) return { status: 'error', message: `bash: ${src.slice(i, i + 2 + (rest.indexOf('}') + 1 || rest.length)).slice(0, 80)}: bad substitution` };
      append('$');
      i++;
      return null;
    }
    const name = m[1] ?? '';
    append(env.variable(name) ?? '');
    i += 1 + m[0].length;
    void inDouble;
    return null;
  };
  while (i < src.length) {
    const ch = src[i] ?? '';
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      flush();
      i++;
      continue;
    }
    if (ch === '#' && !inWord) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (ch === '\\') {
      if (i + 1 >= src.length) return { status: 'incomplete', lookingFor: '\\' };
      if (src[i + 1] === '\n') {
        i += 2;
        continue;
      }
      i++;
      append(src[i] ?? '');
      i++;
      continue;
    }
    if (ch === "'") {
      const close = src.indexOf("'", i + 1);
      if (close < 0) return { status: 'incomplete', lookingFor: "'" };
      append('');
      word += src.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    if (ch === '"') {
      append('');
      i++;
      let closed = false;
      while (i < src.length) {
        const c = src[i] ?? '';
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < src.length && '$`"\\\n'.includes(src[i + 1] ?? '')) {
          if (src[i + 1] !== '\n') word += src[i + 1];
          i += 2;
          continue;
        }
        if (c === '$') {
          const r = expandDollar(true);
          if (r !== null) return r;
          continue;
        }
        if (c === '`') {
          const close = src.indexOf('`', i + 1);
          if (close < 0) return { status: 'incomplete', lookingFor: '`' };
          const command = src.slice(i + 1, close).trim();
          const out = env.substitute(command);
          if (out === undefined) return { status: 'error', message: `bash: command substitution of '${command.slice(0, 80)}' is not supported in this lab's shell` };
          word += out;
          i = close + 1;
          continue;
        }
        word += c;
        i++;
      }
      if (!closed) return { status: 'incomplete', lookingFor: '"' };
      continue;
    }
    if (ch === '`') {
      const close = src.indexOf('`', i + 1);
      if (close < 0) return { status: 'incomplete', lookingFor: '`' };
      const command = src.slice(i + 1, close).trim();
      const out = env.substitute(command);
      if (out === undefined) return { status: 'error', message: `bash: command substitution of '${command.slice(0, 80)}' is not supported in this lab's shell` };
      append(out);
      i = close + 1;
      continue;
    }
    if (ch === '$') {
      const r = expandDollar(false);
      if (r !== null) return r;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op !== undefined) {
      flush();
      tokens.push({ kind: 'op', op, start: i });
      i += op.length;
      continue;
    }
    append(ch);
    i++;
  }
  flush();
  const last = tokens.at(-1);
  if (last?.kind === 'op' && (last.op === '&&' || last.op === '||' || last.op === '|')) {
    return { status: 'incomplete', lookingFor: 'command' };
  }
  return { status: 'ok', tokens };
}

export interface SimpleCommand {
  words: string[];
  /** Ended with `&`. */
  background: boolean;
  /** How this command joins the previous one. */
  after: ';' | '&&' | '||' | null;
}

export type ParseResult = { status: 'ok'; commands: SimpleCommand[] } | { status: 'error'; message: string };

/** Splits tokens into simple commands; pipes, redirections and subshells are refused. */
export function parseCommands(tokens: BashToken[]): ParseResult {
  const commands: SimpleCommand[] = [];
  let words: string[] = [];
  let after: SimpleCommand['after'] = null;
  for (const [i, tok] of tokens.entries()) {
    if (tok.kind === 'word') {
      words.push(tok.text);
      continue;
    }
    const next = tokens[i + 1];
    switch (tok.op) {
      case ';':
      case '&':
      case '&&':
      case '||':
        if (words.length === 0) {
          const shown = tok.op === ';' && next?.kind === 'op' && next.op === ';' ? ';;' : tok.op;
          return { status: 'error', message: `bash: syntax error near unexpected token \`${shown}'` };
        }
        commands.push({ words, background: tok.op === '&', after });
        words = [];
        after = tok.op === '&' ? ';' : tok.op;
        break;
      case '|':
        return { status: 'error', message: "bash: pipes (|) are not supported in this lab's shell" };
      case '>':
      case '>>':
      case '<':
        if (next === undefined) return { status: 'error', message: "bash: syntax error near unexpected token `newline'" };
        return { status: 'error', message: "bash: redirections (>, <) are not supported in this lab's shell" };
      case '(':
      case ')':
        return { status: 'error', message: `bash: syntax error near unexpected token \`${tok.op}'` };
    }
  }
  if (words.length > 0) commands.push({ words, background: false, after });
  return { status: 'ok', commands };
}
