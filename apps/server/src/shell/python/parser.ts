/**
 * Tokenizer and parser for the lab's Python: one statement (or a `for` loop with a simple body),
 * as typed at the `>>>` prompt. Produces an AST; nothing is ever evaluated as code.
 */
import type { PyValue } from './values';
import { bytes, isBytes } from './values';

export type Expr =
  | { t: 'name'; id: string; pos: number }
  | { t: 'const'; value: PyValue; pos: number }
  | { t: 'list' | 'tuple' | 'set'; items: Expr[]; pos: number }
  | { t: 'dict'; keys: Expr[]; values: Expr[]; pos: number }
  | { t: 'attr'; obj: Expr; name: string; pos: number }
  | { t: 'sub'; obj: Expr; index: Expr; pos: number }
  | { t: 'slice'; lo: Expr | null; hi: Expr | null; pos: number }
  | { t: 'call'; fn: Expr; args: Expr[]; kwargs: Array<[string, Expr]>; pos: number }
  | { t: 'unary'; op: '-' | '+' | 'not'; e: Expr; pos: number }
  | { t: 'bin'; op: string; l: Expr; r: Expr; pos: number }
  | { t: 'cmp'; ops: string[]; operands: Expr[]; pos: number }
  | { t: 'bool'; op: 'and' | 'or'; l: Expr; r: Expr; pos: number }
  | { t: 'ifexp'; cond: Expr; a: Expr; b: Expr; pos: number }
  | { t: 'listcomp'; elt: Expr; name: string; iter: Expr; cond: Expr | null; pos: number }
  | { t: 'fstring'; parts: Array<string | FStringField>; pos: number };

export interface FStringField {
  e: Expr;
  conversion: 'r' | 's' | null;
  spec: string;
}

export type Stmt =
  | { t: 'expr'; e: Expr }
  | { t: 'assign'; targets: Expr[]; value: Expr }
  | { t: 'augassign'; target: Expr; op: string; value: Expr }
  | { t: 'import'; names: Array<{ module: string; asname: string | null }> }
  | { t: 'from'; module: string; names: Array<{ name: string; asname: string | null }>; pos: number }
  | { t: 'for'; target: string; iter: Expr; body: Stmt[]; bodyLines: number[] }
  | { t: 'del'; targets: Expr[] }
  | { t: 'pass' };

/** A SyntaxError with where to put the caret(s). `offset` is into the whole source. */
export class PySyntaxError extends Error {
  override readonly name = 'PySyntaxError';
  constructor(
    message: string,
    readonly offset: number,
    readonly width = 1,
    /** CPython omits the source line for a few errors (`keyword argument repeated`). */
    readonly showSource = true,
  ) {
    super(message);
  }
}

/** The source is valid so far but unfinished (open bracket, `for ...:` header): ask for more. */
export class IncompleteInput extends Error {
  override readonly name = 'IncompleteInput';
}

/** An expression too long for the evaluator (CPython: `RecursionError ... during compilation`). */
export class CompileRecursionError extends Error {
  override readonly name = 'CompileRecursionError';
}

/** Most binary operators one statement may chain (CPython compiles a few thousand; the lab's evaluator recurses on them). */
export const operatorChainMax = 1000;

/** A statement kind the lab does not run (def, class, while...), reported in the lab's words. */
export class UnsupportedSyntax extends Error {
  override readonly name = 'UnsupportedSyntax';
}

type TokKind = 'name' | 'int' | 'float' | 'str' | 'op' | 'newline' | 'indent' | 'eof';
export interface Token {
  kind: TokKind;
  text: string;
  /** An f-string literal: `value` is its text with `{...}` fields still in it. */
  fstring?: boolean;
  value?: PyValue;
  start: number;
  end: number;
}

const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

const OPERATORS = [
  '**=', '//=', '>>=', '<<=', '...', '->', ':=',
  '==', '!=', '<=', '>=', '**', '//', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<', '>>',
  '+', '-', '*', '/', '%', '@', '<', '>', '=', '.', ',', ':', ';', '(', ')', '[', ']', '{', '}', '&', '|', '^', '~',
];

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

function isIdStart(ch: string): boolean {
  return /[\p{L}_]/u.test(ch);
}
function isIdPart(ch: string): boolean {
  return /[\p{L}\p{N}_\p{Mn}\p{Mc}]/u.test(ch);
}

export interface TokenizeOptions {
  nestingDepthMax: number;
}

/** Splits one logical statement into tokens. Newlines inside brackets are whitespace. */
export function tokenize(src: string, options: TokenizeOptions): Token[] {
  const tokens: Token[] = [];
  const brackets: Array<{ ch: string; pos: number }> = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] ?? '';
    if (ch === '\0') throw new PySyntaxError('source code cannot contain null bytes', i);
    if (ch === ' ' || ch === '\t' || ch === '\f') {
      i++;
      continue;
    }
    if (ch === '\\') {
      if (src[i + 1] === '\n') {
        i += 2;
        continue;
      }
      if (i + 1 >= src.length) throw new IncompleteInput();
      throw new PySyntaxError('unexpected character after line continuation character', i);
    }
    if (ch === '\n' || ch === '\r') {
      if (brackets.length === 0) tokens.push({ kind: 'newline', text: '\n', start: i, end: i + 1 });
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    // String literals, with optional prefixes.
    const prefix = /^([rRbBuUfF]|[rR][bB]|[bB][rR]|[rR][fF]|[fF][rR])?(['"])/.exec(src.slice(i, i + 3));
    if (prefix && (prefix[1] === undefined || isIdStart(ch))) {
      const p = (prefix[1] ?? '').toLowerCase();
      const start = i;
      i += p.length;
      const quote = src[i] ?? '"';
      const triple = src.startsWith(quote.repeat(3), i);
      const close = triple ? quote.repeat(3) : quote;
      i += close.length;
      const raw = p.includes('r');
      const bodyStart = i;
      let escapeError: string | null = null;
      let text = '';
      let closed = false;
      while (i < src.length) {
        if (src.startsWith(close, i)) {
          i += close.length;
          closed = true;
          break;
        }
        const c = src[i] ?? '';
        if (c === '\n' && !triple) break;
        if (c === '\0') throw new PySyntaxError('source code cannot contain null bytes', i);
        if (c === '\\') {
          const next = src[i + 1];
          if (next === undefined) break;
          if (raw) {
            text += c + next;
            i += 2;
            continue;
          }
          try {
            const [decoded, used] = decodeEscape(src, i, p.includes('b'), i - bodyStart);
            text += decoded;
            i += used;
          } catch (e) {
            if (!(e instanceof PySyntaxError)) throw e;
            escapeError ??= e.message;
            i += 2;
          }
          continue;
        }
        text += c;
        i++;
      }
      if (!closed) {
        if (triple) throw new IncompleteInput();
        const line = lineOf(src, start);
        throw new PySyntaxError(`unterminated string literal (detected at line ${line})`, start);
      }
      if (escapeError !== null) throw new PySyntaxError(escapeError, i);
      let value: PyValue = text;
      if (p.includes('b')) {
        const data = new Uint8Array(text.length);
        for (let k = 0; k < text.length; k++) {
          const code = text.charCodeAt(k);
          if (code > 0xff) throw new PySyntaxError('bytes can only contain ASCII literal characters', start);
          data[k] = code;
        }
        value = bytes(data);
      }
      tokens.push({ kind: 'str', text: src.slice(start, i), value, start, end: i, fstring: p.includes('f') });
      continue;
    }
    if (isIdStart(ch)) {
      const start = i;
      while (i < src.length && isIdPart(src[i] ?? '')) i++;
      const text = src.slice(start, i);
      tokens.push({ kind: 'name', text, start, end: i });
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const start = i;
      const m =
        /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][+-]?[0-9]+)?)([jJ])?/.exec(
          src.slice(i),
        );
      const text = m?.[1] ?? ch;
      i += text.length;
      if (m?.[2]) throw new UnsupportedSyntax('complex numbers are not supported here');
      if (isIdStart(src[i] ?? '') ) throw new PySyntaxError('invalid decimal literal', i - 1);
      const clean = text.replace(/_/g, '');
      if (/^0[xXoObB]/.test(clean)) {
        tokens.push({ kind: 'int', text, value: BigInt(clean), start, end: i });
      } else if (/[.eE]/.test(clean)) {
        tokens.push({ kind: 'float', text, value: Number(clean), start, end: i });
      } else {
        if (clean.length > 1 && clean.startsWith('0') && /[1-9]/.test(clean)) {
          throw new PySyntaxError(
            'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers',
            start,
          );
        }
        tokens.push({ kind: 'int', text, value: BigInt(clean), start, end: i });
      }
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      if (op in OPENERS) {
        if (brackets.length >= options.nestingDepthMax) throw new PySyntaxError('too many nested parentheses', i);
        brackets.push({ ch: op, pos: i });
      } else if (op === ')' || op === ']' || op === '}') {
        const open = brackets.pop();
        if (!open) throw new PySyntaxError(`unmatched '${op}'`, i);
        if (OPENERS[open.ch] !== op) {
          const openLine = lineOf(src, open.pos);
          const here = lineOf(src, i);
          const where = openLine === here ? '' : ` on line ${openLine}`;
          throw new PySyntaxError(`closing parenthesis '${op}' does not match opening parenthesis '${open.ch}'${where}`, i);
        }
      }
      tokens.push({ kind: 'op', text: op, start: i, end: i + op.length });
      i += op.length;
      continue;
    }
    const code = src.codePointAt(i) ?? 0;
    const glyph = String.fromCodePoint(code);
    const u = code.toString(16).toUpperCase().padStart(4, '0');
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) {
      throw new PySyntaxError(`invalid non-printable character U+${u}`, i);
    }
    if (code < 0x80) throw new PySyntaxError('invalid syntax', i);
    throw new PySyntaxError(`invalid character '${glyph}' (U+${u})`, i);
  }
  if (brackets.length > 0) throw new IncompleteInput();
  tokens.push({ kind: 'eof', text: '', start: src.length, end: src.length });
  return tokens;
}

function decodeEscape(src: string, i: number, isBytes: boolean, position: number): [string, number] {
  const next = src[i + 1] ?? '';
  const simple: Record<string, string> = {
    n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '',
  };
  if (next === 'x') {
    const h = src.slice(i + 2, i + 4);
    if (!/^[0-9a-fA-F]{2}$/.test(h)) {
      const digits = /^[0-9a-fA-F]*/.exec(h)?.[0].length ?? 0;
      throw new PySyntaxError(
        isBytes
          ? `(value error) invalid \\x escape at position ${position}`
          : `(unicode error) 'unicodeescape' codec can't decode bytes in position ${position}-${position + 1 + digits}: truncated \\xXX escape`,
        i,
      );
    }
    return [String.fromCharCode(parseInt(h, 16)), 4];
  }
  if (!isBytes && (next === 'u' || next === 'U')) {
    const len = next === 'u' ? 4 : 8;
    const h = src.slice(i + 2, i + 2 + len);
    if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h) || parseInt(h, 16) > 0x10ffff) {
      const digits = /^[0-9a-fA-F]*/.exec(h)?.[0].length ?? 0;
      throw new PySyntaxError(
        `(unicode error) 'unicodeescape' codec can't decode bytes in position ${position}-${position + 1 + digits}: truncated \\${next}${'X'.repeat(len)} escape`,
        i,
      );
    }
    return [String.fromCodePoint(parseInt(h, 16)), 2 + len];
  }
  if (/[0-7]/.test(next)) {
    const m = /^[0-7]{1,3}/.exec(src.slice(i + 1)) ?? ['0'];
    return [String.fromCharCode(parseInt(m[0], 8) & 0xff), 1 + m[0].length];
  }
  const s = simple[next];
  if (s !== undefined) return [s, 2];
  return [`\\${next}`, 2];
}

function lineOf(src: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < src.length; k++) if (src[k] === '\n') line++;
  return line;
}

const AUG_OPS = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=']);
const UNSUPPORTED_STATEMENTS = new Set([
  'def', 'class', 'while', 'if', 'try', 'with', 'lambda', 'return', 'yield', 'raise', 'global', 'nonlocal',
  'assert', 'async', 'await', 'break', 'continue', 'elif', 'else', 'except', 'finally',
]);

export interface ParseOptions {
  nestingDepthMax: number;
}

/** Parses a statement typed at the prompt. Throws PySyntaxError, IncompleteInput or UnsupportedSyntax. */
export function parseStatement(src: string, options: ParseOptions): Stmt[] {
  return new Parser(src, options).parseInteractive();
}

class Parser {
  private tokens: Token[] = [];
  private i = 0;
  private depth = 0;
  /** End offset of the first expression of the current statement (for caret ranges). */
  private firstEnd = 0;
  /** Binary and boolean operators parsed so far in this statement. */
  private operators = 0;
  private countOperator(): void {
    if (++this.operators > operatorChainMax) throw new CompileRecursionError();
  }
  constructor(
    private readonly src: string,
    private readonly options: ParseOptions,
  ) {}

  parseInteractive(): Stmt[] {
    // A compound `for` header decides how the rest of the lines are read.
    const firstLine = this.src.split('\n')[0] ?? '';
    if (/^for\b/.test(firstLine)) {
      return [this.parseForBlock()];
    }
    this.tokens = tokenize(this.src, this.options);
    const stmts = this.parseSimpleStatements();
    this.skipNewlines();
    if (this.peek().kind !== 'eof') {
      throw new PySyntaxError('multiple statements found while compiling a single statement', this.peek().start);
    }
    return stmts;
  }

  /** `for x in it: stmt` or `for x in it:` followed by indented lines; an empty line ends it. */
  private parseForBlock(): Stmt {
    const lines = this.src.split('\n');
    const header = lines[0] ?? '';
    let headerTokens: Token[];
    try {
      headerTokens = tokenize(header, this.options);
    } catch (e) {
      if (e instanceof IncompleteInput) {
        tokenize(this.src, this.options);
        throw new UnsupportedSyntax('a for statement whose header spans lines is not supported here');
      }
      throw e;
    }
    let depth = 0;
    let colon: Token | undefined;
    for (const tok of headerTokens) {
      if (tok.kind !== 'op') continue;
      if (tok.text in OPENERS) depth++;
      else if (tok.text === ')' || tok.text === ']' || tok.text === '}') depth--;
      else if (tok.text === ':' && depth === 0) {
        colon = tok;
        break;
      }
    }
    if (colon === undefined) {
      throw new PySyntaxError("expected ':'", headerTokens.filter((t) => t.kind !== 'eof').at(-1)?.end ?? header.length);
    }
    this.tokens = [...headerTokens.filter((t) => t.start < (colon?.start ?? 0)), { kind: 'eof', text: '', start: colon.start, end: colon.start }];
    this.i = 0;
    this.next();
    const target = this.expectName();
    this.expectOp('in', true);
    const iter = this.parseExprList();
    if (this.peek().kind !== 'eof') this.fail(this.peek());
    const inline = header.slice(colon.end);
    const rest = lines.slice(1);
    const last = rest[rest.length - 1];
    if (rest.length === 0 || (last !== undefined && last.trim() !== '')) throw new IncompleteInput();
    const body: Stmt[] = [];
    const bodyLineNumbers: number[] = [];
    const parseLine = (text: string, offset: number, lineNumber: number): void => {
      const sub = new Parser(text, this.options);
      try {
        sub.tokens = tokenize(text, this.options);
        for (const stmt of sub.parseSimpleStatements()) {
          body.push(stmt);
          bodyLineNumbers.push(lineNumber);
        }
        sub.skipNewlines();
        if (sub.peek().kind !== 'eof') sub.fail(sub.peek());
      } catch (e) {
        if (e instanceof PySyntaxError) throw new PySyntaxError(e.message, e.offset + offset, e.width);
        throw e;
      }
    };
    let offset = header.length + 1;
    if (inline.trim() !== '' && !inline.trim().startsWith('#')) {
      parseLine(inline, colon.end, 1);
      for (const line of rest) {
        if (line.trim() !== '') throw new PySyntaxError('invalid syntax', offset);
        offset += line.length + 1;
      }
      return { t: 'for', target, iter, body, bodyLines: bodyLineNumbers };
    }
    const nonEmpty = rest.filter((l) => l.trim() !== '');
    if (nonEmpty.length === 0) {
      throw new PySyntaxError("expected an indented block after 'for' statement on line 1", offset);
    }
    const indent = /^[ \t]*/.exec(nonEmpty[0] ?? '')?.[0] ?? '';
    let lineNumber = 1;
    for (const line of rest) {
      lineNumber++;
      if (line.trim() === '') {
        offset += line.length + 1;
        continue;
      }
      const lineIndent = /^[ \t]*/.exec(line)?.[0] ?? '';
      if (indent === '') throw new PySyntaxError("expected an indented block after 'for' statement on line 1", offset);
      if (lineIndent !== indent) {
        throw new PySyntaxError(
          lineIndent.length > indent.length ? 'unexpected indent' : 'unindent does not match any outer indentation level',
          offset,
        );
      }
      parseLine(line.slice(indent.length), offset + indent.length, lineNumber);
      offset += line.length + 1;
    }
    return { t: 'for', target, iter, body, bodyLines: bodyLineNumbers };
  }

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)] ?? { kind: 'eof', text: '', start: 0, end: 0 };
  }
  private next(): Token {
    const tok = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return tok;
  }
  private isOp(text: string, k = 0): boolean {
    const tok = this.peek(k);
    return (tok.kind === 'op' || tok.kind === 'name') && tok.text === text;
  }
  private fail(tok: Token): never {
    if (tok.kind === 'eof' || tok.kind === 'newline') throw new PySyntaxError('invalid syntax', tok.start);
    throw new PySyntaxError('invalid syntax', tok.start, Math.max(1, tok.end - tok.start));
  }
  /** After an element of a bracketed list: Python 3.11's "Perhaps you forgot a comma?". */
  private afterElement(prev: Expr, closer: string): void {
    if (this.isOp(',') || this.isOp(closer)) return;
    const bad = this.peek();
    const startsExpr = bad.kind === 'name' || bad.kind === 'int' || bad.kind === 'float' || bad.kind === 'str';
    if (startsExpr && !(bad.kind === 'name' && KEYWORDS.has(bad.text) && !['None', 'True', 'False', 'not', 'lambda'].includes(bad.text))) {
      throw new PySyntaxError('invalid syntax. Perhaps you forgot a comma?', prev.pos, bad.end - prev.pos);
    }
  }
  private expectOp(text: string, keyword = false): Token {
    const tok = this.peek();
    if ((keyword ? tok.kind === 'name' : tok.kind === 'op') && tok.text === text) return this.next();
    if (tok.kind === 'eof' && text !== ')' && text !== ']') throw new PySyntaxError('invalid syntax', tok.start);
    return this.fail(tok);
  }
  private expectName(): string {
    const tok = this.peek();
    if (tok.kind !== 'name' || KEYWORDS.has(tok.text)) this.fail(tok);
    this.next();
    return tok.text;
  }
  private skipNewlines(): void {
    while (this.peek().kind === 'newline') this.next();
  }
  private enter(tok: Token): void {
    this.depth++;
    if (this.depth > this.options.nestingDepthMax) throw new PySyntaxError('too many nested parentheses', tok.start);
  }

  private parseSimpleStatements(): Stmt[] {
    const stmts: Stmt[] = [this.parseSimpleStatement()];
    while (this.isOp(';')) {
      this.next();
      if (this.peek().kind === 'eof' || this.peek().kind === 'newline') break;
      stmts.push(this.parseSimpleStatement());
    }
    return stmts;
  }

  private parseSimpleStatement(): Stmt {
    const tok = this.peek();
    if (tok.kind === 'name') {
      if (UNSUPPORTED_STATEMENTS.has(tok.text)) {
        throw new UnsupportedSyntax(`'${tok.text}' statements are not supported in this lab's Python`);
      }
      if (tok.text === 'for') {
        throw new PySyntaxError('invalid syntax', tok.start);
      }
      if (tok.text === 'pass') {
        this.next();
        return { t: 'pass' };
      }
      if (tok.text === 'import') return this.parseImport();
      if (tok.text === 'from') return this.parseFrom();
      if (tok.text === 'del') {
        this.next();
        const targets = [this.parsePostfixExpr()];
        while (this.isOp(',')) {
          this.next();
          targets.push(this.parsePostfixExpr());
        }
        return { t: 'del', targets };
      }
      if (tok.text === 'print' || tok.text === 'exec') {
        const after = this.peek(1);
        if (after.kind === 'str' || after.kind === 'int' || after.kind === 'float' || (after.kind === 'name' && !KEYWORDS.has(after.text))) {
          const end = this.tokens.filter((t) => t.kind !== 'eof' && t.kind !== 'newline').at(-1)?.end ?? after.end;
          throw new PySyntaxError(
            `Missing parentheses in call to '${tok.text}'. Did you mean ${tok.text}(...)?`,
            tok.start,
            end - tok.start,
          );
        }
      }
    }
    const first = this.parseExprList();
    this.firstEnd = this.tokens[this.i - 1]?.end ?? first.pos + 1;
    if (this.isOp('=')) {
      const targets = [first];
      let value = first;
      while (this.isOp('=')) {
        this.next();
        value = this.parseExprList();
        targets.push(value);
      }
      targets.pop();
      for (const target of targets) this.checkTarget(target);
      return { t: 'assign', targets, value };
    }
    const aug = this.peek();
    if (aug.kind === 'op' && AUG_OPS.has(aug.text)) {
      this.next();
      this.checkTarget(first);
      if (first.t === 'tuple' || first.t === 'list') {
        throw new PySyntaxError(`'${first.t}' is an illegal expression for augmented assignment`, first.pos);
      }
      return { t: 'augassign', target: first, op: aug.text.slice(0, -1), value: this.parseExprList() };
    }
    const end = this.peek();
    if (end.kind !== 'eof' && end.kind !== 'newline' && !this.isOp(';')) {
      // Two expressions in a row: Python 3.11 suggests a missing comma inside brackets only.
      this.fail(end);
    }
    return { t: 'expr', e: first };
  }

  private checkTarget(e: Expr): void {
    switch (e.t) {
      case 'name':
      case 'attr':
      case 'sub':
        return;
      case 'tuple':
      case 'list':
        for (const item of e.items) this.checkTarget(item);
        return;
      case 'call':
        throw new PySyntaxError("cannot assign to function call here. Maybe you meant '==' instead of '='?", e.pos, this.firstEnd - e.pos);
      case 'const':
        throw new PySyntaxError("cannot assign to literal here. Maybe you meant '==' instead of '='?", e.pos, this.firstEnd - e.pos);
      default:
        throw new PySyntaxError("cannot assign to expression here. Maybe you meant '==' instead of '='?", e.pos, this.firstEnd - e.pos);
    }
  }

  private dottedName(): string {
    let name = this.expectName();
    while (this.isOp('.')) {
      this.next();
      name += `.${this.expectName()}`;
    }
    return name;
  }

  private parseImport(): Stmt {
    this.next();
    const names: Array<{ module: string; asname: string | null }> = [];
    do {
      if (names.length > 0) this.next();
      const module = this.dottedName();
      let asname: string | null = null;
      if (this.isOp('as')) {
        this.next();
        asname = this.expectName();
      }
      names.push({ module, asname });
    } while (this.isOp(','));
    return { t: 'import', names };
  }

  private parseFrom(): Stmt {
    const pos = this.next().start;
    const module = this.dottedName();
    this.expectOp('import', true);
    const paren = this.isOp('(');
    if (paren) this.next();
    const names: Array<{ name: string; asname: string | null }> = [];
    if (this.isOp('*')) {
      this.next();
      names.push({ name: '*', asname: null });
    } else {
      do {
        if (names.length > 0) this.next();
        if (paren && this.isOp(')')) break;
        const name = this.expectName();
        let asname: string | null = null;
        if (this.isOp('as')) {
          this.next();
          asname = this.expectName();
        }
        names.push({ name, asname });
      } while (this.isOp(','));
    }
    if (paren) this.expectOp(')');
    return { t: 'from', module, names, pos };
  }

  /** `a, b` → tuple; a single expression otherwise. */
  private parseExprList(): Expr {
    const first = this.parseExpr();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.atExprEnd()) break;
      items.push(this.parseExpr());
    }
    return { t: 'tuple', items, pos: first.pos };
  }

  private atExprEnd(): boolean {
    const tok = this.peek();
    return tok.kind === 'eof' || tok.kind === 'newline' || (tok.kind === 'op' && [')', ']', '}', '=', ';', ':'].includes(tok.text));
  }

  parseExpr(): Expr {
    const tok = this.peek();
    this.enter(tok);
    try {
      if (tok.kind === 'name' && tok.text === 'lambda') {
        throw new UnsupportedSyntax("'lambda' is not supported in this lab's Python");
      }
      const e = this.parseOr();
      if (this.isOp('if') && this.peek().kind === 'name') {
        this.next();
        const cond = this.parseOr();
        this.expectOp('else', true);
        const b = this.parseExpr();
        return { t: 'ifexp', cond, a: e, b, pos: e.pos };
      }
      return e;
    } finally {
      this.depth--;
    }
  }

  private parseOr(): Expr {
    let l = this.parseAnd();
    while (this.isOp('or') && this.peek().kind === 'name') {
      this.next();
      this.countOperator();
      l = { t: 'bool', op: 'or', l, r: this.parseAnd(), pos: l.pos };
    }
    return l;
  }
  private parseAnd(): Expr {
    let l = this.parseNot();
    while (this.isOp('and') && this.peek().kind === 'name') {
      this.next();
      this.countOperator();
      l = { t: 'bool', op: 'and', l, r: this.parseNot(), pos: l.pos };
    }
    return l;
  }
  private parseNot(): Expr {
    const tok = this.peek();
    if (tok.kind === 'name' && tok.text === 'not') {
      this.next();
      this.enter(tok);
      try {
        return { t: 'unary', op: 'not', e: this.parseNot(), pos: tok.start };
      } finally {
        this.depth--;
      }
    }
    return this.parseComparison();
  }
  private parseComparison(): Expr {
    const first = this.parseArith();
    const ops: string[] = [];
    const operands = [first];
    for (;;) {
      const tok = this.peek();
      let op: string | null = null;
      if (tok.kind === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(tok.text)) op = tok.text;
      else if (tok.kind === 'name' && tok.text === 'in') op = 'in';
      else if (tok.kind === 'name' && tok.text === 'is') op = this.peek(1).text === 'not' ? 'is not' : 'is';
      else if (tok.kind === 'name' && tok.text === 'not' && this.peek(1).text === 'in') op = 'not in';
      if (op === null) break;
      this.next();
      if (op === 'is not' || op === 'not in') this.next();
      this.countOperator();
      ops.push(op);
      operands.push(this.parseArith());
    }
    return ops.length === 0 ? first : { t: 'cmp', ops, operands, pos: first.pos };
  }
  private parseArith(): Expr {
    let l = this.parseTerm();
    while (this.isOp('+') || this.isOp('-') || this.isOp('|') || this.isOp('&') || this.isOp('^')) {
      const op = this.next().text;
      this.countOperator();
      l = { t: 'bin', op, l, r: this.parseTerm(), pos: l.pos };
    }
    return l;
  }
  private parseTerm(): Expr {
    let l = this.parseUnary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%') || this.isOp('@')) {
      const op = this.next().text;
      this.countOperator();
      l = { t: 'bin', op, l, r: this.parseUnary(), pos: l.pos };
    }
    return l;
  }
  private parseUnary(): Expr {
    const tok = this.peek();
    if (tok.kind === 'op' && (tok.text === '-' || tok.text === '+' || tok.text === '~')) {
      this.next();
      this.enter(tok);
      try {
        const e = this.parseUnary();
        if (tok.text === '~') return { t: 'bin', op: '^', l: e, r: { t: 'const', value: -1n, pos: tok.start }, pos: tok.start };
        return { t: 'unary', op: tok.text === '-' ? '-' : '+', e, pos: tok.start };
      } finally {
        this.depth--;
      }
    }
    return this.parsePower();
  }
  private parsePower(): Expr {
    const base = this.parsePostfixExpr();
    if (this.isOp('**')) {
      this.next();
      return { t: 'bin', op: '**', l: base, r: this.parseUnary(), pos: base.pos };
    }
    return base;
  }

  parsePostfixExpr(): Expr {
    let e = this.parseAtom();
    for (;;) {
      if (this.isOp('.') || this.isOp('(') || this.isOp('[')) this.countOperator();
      if (this.isOp('.')) {
        this.next();
        const tok = this.peek();
        if (tok.kind !== 'name') this.fail(tok);
        this.next();
        e = { t: 'attr', obj: e, name: tok.text, pos: e.pos };
      } else if (this.isOp('(')) {
        const open = this.next();
        this.enter(open);
        try {
          e = this.parseCallArgs(e);
        } finally {
          this.depth--;
        }
      } else if (this.isOp('[')) {
        const open = this.next();
        this.enter(open);
        try {
          const index = this.parseSubscript();
          this.expectOp(']');
          e = { t: 'sub', obj: e, index, pos: e.pos };
        } finally {
          this.depth--;
        }
      } else {
        return e;
      }
    }
  }

  private parseSubscript(): Expr {
    const pos = this.peek().start;
    let lo: Expr | null = null;
    if (!this.isOp(':')) {
      lo = this.parseExprList();
      if (!this.isOp(':')) return lo;
    }
    this.next();
    const hi = this.isOp(']') ? null : this.parseExpr();
    return { t: 'slice', lo, hi, pos };
  }

  private parseCallArgs(fn: Expr): Expr {
    const args: Expr[] = [];
    const kwargs: Array<[string, Expr]> = [];
    while (!this.isOp(')')) {
      const tok = this.peek();
      if (tok.kind === 'op' && (tok.text === '*' || tok.text === '**')) {
        throw new UnsupportedSyntax('*args and **kwargs in calls are not supported in this lab\'s Python');
      }
      if (tok.kind === 'name' && !KEYWORDS.has(tok.text) && this.peek(1).text === '=' && this.peek(1).kind === 'op') {
        this.next();
        this.next();
        if (kwargs.some(([k]) => k === tok.text)) {
          throw new PySyntaxError(`keyword argument repeated: ${tok.text}`, tok.start, tok.text.length, false);
        }
        kwargs.push([tok.text, this.parseExpr()]);
      } else {
        if (kwargs.length > 0) {
          this.parseExpr();
          throw new PySyntaxError('positional argument follows keyword argument', this.peek().start);
        }
        const e = this.parseExpr();
        if (this.isOp('for')) {
          args.push(this.parseComprehension(e, e.pos));
        } else {
          args.push(e);
        }
      }
      if (this.isOp(',')) {
        this.next();
        continue;
      }
      if (!this.isOp(')')) {
        const bad = this.peek();
        if (bad.kind !== 'eof' && bad.kind !== 'op') {
          throw new PySyntaxError('invalid syntax. Perhaps you forgot a comma?', args.at(-1)?.pos ?? bad.start, bad.end - (args.at(-1)?.pos ?? bad.start));
        }
        this.fail(bad);
      }
    }
    this.expectOp(')');
    return { t: 'call', fn, args, kwargs, pos: fn.pos };
  }

  private parseComprehension(elt: Expr, pos: number): Expr {
    this.expectOp('for', true);
    const name = this.expectName();
    this.expectOp('in', true);
    const iter = this.parseOr();
    let cond: Expr | null = null;
    if (this.isOp('if')) {
      this.next();
      cond = this.parseOr();
    }
    return { t: 'listcomp', elt, name, iter, cond, pos };
  }

  /** Adjacent string literals of which at least one is an f-string. */
  private parseFString(): Expr {
    const pos = this.peek().start;
    const parts: Array<string | FStringField> = [];
    while (this.peek().kind === 'str') {
      const tok = this.next();
      const text = tok.value;
      if (typeof text !== 'string') throw new PySyntaxError('cannot mix bytes and nonbytes literals', tok.end);
      if (!tok.fstring) {
        parts.push(text);
        continue;
      }
      let i = 0;
      let literal = '';
      while (i < text.length) {
        const ch = text[i] ?? '';
        if (ch === '{' && text[i + 1] === '{') {
          literal += '{';
          i += 2;
          continue;
        }
        if (ch === '}') {
          if (text[i + 1] === '}') {
            literal += '}';
            i += 2;
            continue;
          }
          throw new PySyntaxError("f-string: single '}' is not allowed", tok.end);
        }
        if (ch !== '{') {
          literal += ch;
          i++;
          continue;
        }
        if (literal !== '') parts.push(literal);
        literal = '';
        // Find the end of the field, skipping nested brackets and quotes.
        let depth = 0;
        let j = i + 1;
        let quote: string | null = null;
        let exprEnd = -1;
        let conversion: 'r' | 's' | null = null;
        let spec = '';
        for (; j < text.length; j++) {
          const c = text[j] ?? '';
          if (quote !== null) {
            if (c === quote) quote = null;
            continue;
          }
          if (c === "'" || c === '"') quote = c;
          else if (c === '(' || c === '[' || c === '{') depth++;
          else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
          else if (depth === 0 && (c === '}' || c === ':' || (c === '!' && text[j + 1] !== '='))) {
            exprEnd = j;
            break;
          }
        }
        if (exprEnd < 0) throw new PySyntaxError("f-string: expecting '}'", tok.end);
        const exprSrc = text.slice(i + 1, exprEnd);
        j = exprEnd;
        if (text[j] === '!') {
          const conv = text[j + 1];
          if (conv !== 'r' && conv !== 's') throw new PySyntaxError("f-string: invalid conversion character: expected 's', 'r', or 'a'", tok.end);
          conversion = conv;
          j += 2;
        }
        if (text[j] === ':') {
          const close = text.indexOf('}', j);
          if (close < 0) throw new PySyntaxError("f-string: expecting '}'", tok.end);
          spec = text.slice(j + 1, close);
          j = close;
        }
        if (text[j] !== '}') throw new PySyntaxError("f-string: expecting '}'", tok.end);
        if (exprSrc.trim() === '') throw new PySyntaxError('f-string: empty expression not allowed', tok.end);
        const sub = new Parser(`(${exprSrc})`, this.options);
        let e: Expr;
        try {
          sub.tokens = tokenize(`(${exprSrc})`, this.options);
          e = sub.parseExpr();
          if (sub.peek().kind !== 'eof') sub.fail(sub.peek());
        } catch (err) {
          if (err instanceof IncompleteInput || err instanceof PySyntaxError) {
            throw new PySyntaxError(`f-string: ${err instanceof PySyntaxError ? err.message : 'invalid syntax'}`, tok.end);
          }
          throw err;
        }
        parts.push({ e, conversion, spec });
        i = j + 1;
      }
      if (literal !== '') parts.push(literal);
    }
    return { t: 'fstring', parts, pos };
  }

  private parseAtom(): Expr {
    const tok = this.peek();
    switch (tok.kind) {
      case 'int':
      case 'float':
        this.next();
        return { t: 'const', value: tok.value ?? null, pos: tok.start };
      case 'str': {
        let k = this.i;
        let hasF = false;
        while (this.tokens[k]?.kind === 'str') {
          if (this.tokens[k]?.fstring === true) hasF = true;
          k++;
        }
        if (hasF) return this.parseFString();
        this.next();
        let value = tok.value ?? '';
        // Adjacent literals concatenate.
        while (this.peek().kind === 'str') {
          const more = this.next().value ?? '';
          if (typeof value === 'string' && typeof more === 'string') value += more;
          else if (isBytes(value) && isBytes(more)) {
            const joined = new Uint8Array(value.data.length + more.data.length);
            joined.set(value.data);
            joined.set(more.data, value.data.length);
            value = bytes(joined);
          } else {
            throw new PySyntaxError('cannot mix bytes and nonbytes literals', tok.start);
          }
        }
        return { t: 'const', value, pos: tok.start };
      }
      case 'name': {
        if (tok.text === 'True' || tok.text === 'False' || tok.text === 'None') {
          this.next();
          return { t: 'const', value: tok.text === 'None' ? null : tok.text === 'True', pos: tok.start };
        }
        if (KEYWORDS.has(tok.text)) {
          if (UNSUPPORTED_STATEMENTS.has(tok.text) && tok.text !== 'else') {
            throw new UnsupportedSyntax(`'${tok.text}' is not supported in this lab's Python`);
          }
          this.fail(tok);
        }
        this.next();
        return { t: 'name', id: tok.text, pos: tok.start };
      }
      case 'op':
        if (tok.text === '(') {
          this.next();
          if (this.isOp(')')) {
            this.next();
            return { t: 'tuple', items: [], pos: tok.start };
          }
          const first = this.parseExpr();
          if (this.isOp('for')) {
            throw new UnsupportedSyntax('generator expressions are not supported here; use [x for x in ...]');
          }
          if (this.isOp(')')) {
            this.next();
            return first;
          }
          this.afterElement(first, ')');
          const items = [first];
          while (this.isOp(',')) {
            this.next();
            if (this.isOp(')')) break;
            const item = this.parseExpr();
            items.push(item);
            this.afterElement(item, ')');
          }
          this.expectOp(')');
          return { t: 'tuple', items, pos: tok.start };
        }
        if (tok.text === '[') {
          this.next();
          const items: Expr[] = [];
          while (!this.isOp(']')) {
            const e = this.parseExpr();
            if (items.length === 0 && this.isOp('for')) {
              const comp = this.parseComprehension(e, tok.start);
              this.expectOp(']');
              return comp;
            }
            items.push(e);
            this.afterElement(e, ']');
            if (!this.isOp(',')) break;
            this.next();
          }
          this.expectOp(']');
          return { t: 'list', items, pos: tok.start };
        }
        if (tok.text === '{') {
          this.next();
          const keys: Expr[] = [];
          const values: Expr[] = [];
          const items: Expr[] = [];
          while (!this.isOp('}')) {
            if (this.isOp('**')) throw new UnsupportedSyntax('** in dict literals is not supported in this lab\'s Python');
            const k = this.parseExpr();
            if (this.isOp(':') && items.length === 0) {
              this.next();
              keys.push(k);
              const v = this.parseExpr();
              values.push(v);
              this.afterElement(v, '}');
            } else if (keys.length === 0) {
              items.push(k);
              this.afterElement(k, '}');
            } else {
              this.fail(this.peek());
            }
            if (!this.isOp(',')) break;
            this.next();
          }
          this.expectOp('}');
          if (items.length > 0) return { t: 'set', items, pos: tok.start };
          return { t: 'dict', keys, values, pos: tok.start };
        }
        return this.fail(tok);
      default:
        return this.fail(tok);
    }
  }
}
