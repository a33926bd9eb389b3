/**
 * A small JavaScript-expression parser for the mongosh REPL: declarations, assignments,
 * expressions, object/array literals, calls, member access, arrow functions with expression
 * bodies. Syntax errors carry Babel's wording and position as mongosh shows them. Input that ends
 * too early (open bracket, trailing operator, open template) is reported as incomplete, as
 * mongosh's REPL does, so the terminal can ask for more.
 */

export type JsExpr =
  | { t: 'num'; value: number; start: number; end: number }
  | { t: 'str'; value: string; start: number; end: number }
  | { t: 'regex'; pattern: string; flags: string; start: number; end: number }
  | { t: 'lit'; value: boolean | null | undefined; start: number; end: number }
  | { t: 'ident'; name: string; start: number; end: number }
  | { t: 'this'; start: number; end: number }
  | { t: 'array'; items: JsExpr[]; start: number; end: number }
  | { t: 'object'; props: Array<{ key: string | JsExpr; value: JsExpr }>; start: number; end: number }
  | { t: 'member'; obj: JsExpr; prop: string | JsExpr; optional: boolean; start: number; end: number }
  | { t: 'call'; callee: JsExpr; args: JsExpr[]; isNew: boolean; start: number; end: number }
  | { t: 'unary'; op: string; arg: JsExpr; start: number; end: number }
  | { t: 'binary'; op: string; left: JsExpr; right: JsExpr; start: number; end: number }
  | { t: 'cond'; test: JsExpr; then: JsExpr; else: JsExpr; start: number; end: number }
  | { t: 'assign'; op: string; target: JsExpr; value: JsExpr; start: number; end: number }
  | { t: 'arrow'; params: string[]; body: JsExpr; start: number; end: number }
  | { t: 'seq'; items: JsExpr[]; start: number; end: number };

export type JsStmt =
  | { t: 'expr'; e: JsExpr }
  | { t: 'decl'; kind: 'const' | 'let' | 'var'; decls: Array<{ name: string; init: JsExpr | null }> }
  | { t: 'empty' };

/** A syntax error with Babel's message; `offset` is where Babel's `(line:column)` points. */
export class JsSyntaxError extends Error {
  override readonly name = 'JsSyntaxError';
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
  }
}

/** The input ends in the middle of something: ask for another line. */
export class JsIncomplete extends Error {
  override readonly name = 'JsIncomplete';
}

/** An expression with more operators than the evaluator will recurse through. */
export class JsTooDeep extends Error {
  override readonly name = 'JsTooDeep';
}

/** Most binary operators one input may chain. */
export const operatorChainMax = 1000;

/** Syntax the lab's mongosh does not run (functions with statements, classes, loops). */
export class JsUnsupported extends Error {
  override readonly name = 'JsUnsupported';
}

type TokKind = 'name' | 'num' | 'str' | 'template' | 'regex' | 'punct' | 'eof';
interface Tok {
  kind: TokKind;
  text: string;
  value?: string | number;
  flags?: string;
  start: number;
  end: number;
  /** A line break came before this token. */
  nlBefore: boolean;
}

const PUNCT = [
  '>>>=', '...', '===', '!==', '**=', '<<=', '>>=', '>>>', '&&=', '||=', '??=',
  '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '**', '<<', '>>',
  '{', '}', '(', ')', '[', ']', ';', ',', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '!', '~', '?', ':', '=', '.', '@', '#',
];

const RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'export', 'extends',
  'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'return', 'super', 'switch', 'this', 'throw', 'try',
  'typeof', 'var', 'void', 'while', 'with', 'yield', 'true', 'false', 'null',
]);

function isIdStart(ch: string): boolean {
  return /[\p{L}_$]/u.test(ch);
}
function isIdPart(ch: string): boolean {
  return /[\p{L}\p{N}_$\u200c\u200d\p{Mn}\p{Mc}]/u.test(ch);
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let nl = false;
  const regexAllowed = (): boolean => {
    const prev = toks.at(-1);
    if (prev === undefined) return true;
    if (prev.kind === 'num' || prev.kind === 'str' || prev.kind === 'template' || prev.kind === 'regex') return false;
    if (prev.kind === 'name') return RESERVED.has(prev.text) && !['this', 'true', 'false', 'null'].includes(prev.text);
    return ![')', ']', '}'].includes(prev.text);
  };
  while (i < src.length) {
    const ch = src[i] ?? '';
    if (ch === '\n' || ch === '\r' || ch === '\u2028' || ch === '\u2029') {
      nl = true;
      i++;
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (src.startsWith('/*', i)) {
      const close = src.indexOf('*/', i + 2);
      if (close < 0) throw new JsIncomplete();
      if (src.slice(i, close).includes('\n')) nl = true;
      i = close + 2;
      continue;
    }
    const start = i;
    if (ch === '"' || ch === "'") {
      let value = '';
      i++;
      for (;;) {
        const c = src[i];
        if (c === undefined || c === '\n' || c === '\r') throw new JsSyntaxError('Unterminated string constant.', start);
        if (c === ch) {
          i++;
          break;
        }
        if (c === '\\') {
          const [decoded, used] = decodeEscape(src, i);
          value += decoded;
          i += used;
          continue;
        }
        value += c;
        i++;
      }
      toks.push({ kind: 'str', text: src.slice(start, i), value, start, end: i, nlBefore: nl });
      nl = false;
      continue;
    }
    if (ch === '`') {
      let value = '';
      i++;
      for (;;) {
        const c = src[i];
        if (c === undefined) throw new JsIncomplete();
        if (c === '`') {
          i++;
          break;
        }
        if (c === '$' && src[i + 1] === '{') throw new JsUnsupported('template literals with ${...} are not supported here; use + to join strings');
        if (c === '\\') {
          const [decoded, used] = decodeEscape(src, i);
          value += decoded;
          i += used;
          continue;
        }
        value += c;
        i++;
      }
      toks.push({ kind: 'template', text: src.slice(start, i), value, start, end: i, nlBefore: nl });
      nl = false;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][+-]?[0-9]+)?)n?/.exec(src.slice(i));
      const text = m?.[0] ?? ch;
      i += text.length;
      if (isIdStart(src[i] ?? '')) throw new JsSyntaxError('Identifier directly after number.', i);
      const clean = text.replace(/_/g, '').replace(/n$/, '');
      const value = /^0[xXoObB]/.test(clean) ? Number(clean) : Number(clean);
      toks.push({ kind: 'num', text, value, start, end: i, nlBefore: nl });
      nl = false;
      continue;
    }
    if (isIdStart(ch) || ch === '\\') {
      while (i < src.length && isIdPart(src[i] ?? '')) i++;
      if (i === start) throw new JsSyntaxError('Unexpected token', start);
      toks.push({ kind: 'name', text: src.slice(start, i), start, end: i, nlBefore: nl });
      nl = false;
      continue;
    }
    if (ch === '/' && regexAllowed()) {
      let inClass = false;
      i++;
      for (;;) {
        const c = src[i];
        if (c === undefined || c === '\n') throw new JsSyntaxError('Unterminated regular expression.', start + 1);
        if (c === '\\') {
          i += 2;
          continue;
        }
        if (c === '[') inClass = true;
        else if (c === ']') inClass = false;
        else if (c === '/' && !inClass) break;
        i++;
      }
      const pattern = src.slice(start + 1, i);
      i++;
      const flagsStart = i;
      while (i < src.length && /[a-z]/.test(src[i] ?? '')) i++;
      const flags = src.slice(flagsStart, i);
      if (!/^[dgimsuy]*$/.test(flags)) throw new JsSyntaxError('Invalid regular expression flag.', flagsStart);
      toks.push({ kind: 'regex', text: src.slice(start, i), value: pattern, flags, start, end: i, nlBefore: nl });
      nl = false;
      continue;
    }
    const p = PUNCT.find((x) => src.startsWith(x, i));
    if (p === undefined) throw new JsSyntaxError('Unexpected character \'' + String.fromCodePoint(src.codePointAt(i) ?? 0) + "'.", start);
    i += p.length;
    toks.push({ kind: 'punct', text: p, start, end: i, nlBefore: nl });
    nl = false;
  }
  toks.push({ kind: 'eof', text: '', start: src.length, end: src.length, nlBefore: nl });
  return toks;
}

function decodeEscape(src: string, i: number): [string, number] {
  const next = src[i + 1] ?? '';
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };
  if (next in simple) return [simple[next] ?? '', 2];
  if (next === 'x') {
    const h = src.slice(i + 2, i + 4);
    if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new JsSyntaxError('Bad character escape sequence.', i + 2);
    return [String.fromCharCode(parseInt(h, 16)), 4];
  }
  if (next === 'u') {
    if (src[i + 2] === '{') {
      const close = src.indexOf('}', i + 3);
      const h = src.slice(i + 3, close);
      if (close < 0 || !/^[0-9a-fA-F]{1,6}$/.test(h) || parseInt(h, 16) > 0x10ffff) throw new JsSyntaxError('Bad character escape sequence.', i + 2);
      return [String.fromCodePoint(parseInt(h, 16)), close - i + 1];
    }
    const h = src.slice(i + 2, i + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) throw new JsSyntaxError('Bad character escape sequence.', i + 2);
    return [String.fromCharCode(parseInt(h, 16)), 6];
  }
  return [next, 2];
}

const BINARY_PRECEDENCE: Record<string, number> = {
  '??': 1, '||': 2, '&&': 3, '|': 4, '^': 5, '&': 6,
  '==': 7, '!=': 7, '===': 7, '!==': 7,
  '<': 8, '>': 8, '<=': 8, '>=': 8, instanceof: 8, in: 8,
  '<<': 9, '>>': 9, '>>>': 9, '+': 10, '-': 10, '*': 11, '/': 11, '%': 11, '**': 12,
};

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '**=', '&&=', '||=', '??=']);

export interface JsParseOptions {
  nestingDepthMax: number;
}

export function parseProgram(src: string, options: JsParseOptions): JsStmt[] {
  return new JsParser(src, tokenize(src), options).program();
}

class JsParser {
  private i = 0;
  private depth = 0;
  private operators = 0;
  private readonly declared = new Set<string>();
  constructor(
    private readonly src: string,
    private readonly toks: Tok[],
    private readonly options: JsParseOptions,
  ) {}

  private peek(k = 0): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)] ?? { kind: 'eof', text: '', start: this.src.length, end: this.src.length, nlBefore: false };
  }
  private next(): Tok {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return (t.kind === 'punct' || t.kind === 'name') && t.text === text;
  }
  private unexpected(tok = this.peek(), expected?: string): never {
    if (tok.kind === 'eof') throw new JsIncomplete();
    throw new JsSyntaxError(expected ? `Unexpected token, expected "${expected}"` : 'Unexpected token', tok.start);
  }
  private expect(text: string): Tok {
    if (this.is(text)) return this.next();
    return this.unexpected(this.peek(), text);
  }
  private enter(): void {
    this.depth++;
    if (this.depth > this.options.nestingDepthMax) throw new JsSyntaxError('Maximum nesting depth exceeded', this.peek().start);
  }
  private prevEnd(): number {
    return this.toks[this.i - 1]?.end ?? 0;
  }

  program(): JsStmt[] {
    const stmts: JsStmt[] = [];
    while (this.peek().kind !== 'eof') {
      if (this.is(';')) {
        this.next();
        stmts.push({ t: 'empty' });
        continue;
      }
      stmts.push(this.statement());
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (this.is(';')) {
        this.next();
        continue;
      }
      if (t.nlBefore || this.is('}')) {
        if (this.is('}')) this.unexpected(t);
        continue;
      }
      throw new JsSyntaxError('Missing semicolon.', this.prevEnd());
    }
    return stmts;
  }

  private statement(): JsStmt {
    const t = this.peek();
    if (t.kind === 'name') {
      if (t.text === 'const' || t.text === 'var' || (t.text === 'let' && this.peek(1).kind === 'name')) return this.declaration();
      if (['function', 'class', 'if', 'for', 'while', 'do', 'switch', 'try', 'throw', 'return', 'import', 'export', 'async', 'await'].includes(t.text)) {
        if (t.text === 'await') {
          this.next();
          return { t: 'expr', e: this.expression() };
        }
        if (t.text !== 'async' || this.peek(1).text === 'function') {
          throw new JsUnsupported(`'${t.text}' statements are not supported in this lab's mongosh; type one expression or declaration at a time`);
        }
      }
    }
    if (this.is('{')) {
      // A statement that starts with `{` is a block in JS; mongosh users mean an object. Parse as one.
      return { t: 'expr', e: this.expression() };
    }
    return { t: 'expr', e: this.expression() };
  }

  private declaration(): JsStmt {
    const kind = this.next().text as 'const' | 'let' | 'var';
    const decls: Array<{ name: string; init: JsExpr | null }> = [];
    do {
      if (decls.length > 0) this.next();
      const nameTok = this.peek();
      if (nameTok.kind !== 'name' || RESERVED.has(nameTok.text)) this.unexpected(nameTok);
      this.next();
      if (kind !== 'var' && this.declared.has(nameTok.text)) {
        throw new JsSyntaxError(`Identifier '${nameTok.text}' has already been declared.`, nameTok.start);
      }
      this.declared.add(nameTok.text);
      let init: JsExpr | null = null;
      if (this.is('=')) {
        this.next();
        init = this.assignment();
      } else if (kind === 'const') {
        if (this.peek().kind === 'eof') throw new JsIncomplete();
        throw new JsSyntaxError('Missing initializer in const declaration.', this.prevEnd());
      }
      decls.push({ name: nameTok.text, init });
    } while (this.is(','));
    return { t: 'decl', kind, decls };
  }

  private expression(): JsExpr {
    const first = this.assignment();
    if (!this.is(',')) return first;
    const items = [first];
    while (this.is(',')) {
      this.next();
      items.push(this.assignment());
    }
    return { t: 'seq', items, start: first.start, end: this.prevEnd() };
  }

  private assignment(): JsExpr {
    this.enter();
    try {
      // Arrow functions: `x => ...`, `(x, y) => ...`, `() => ...`.
      const arrow = this.tryArrow();
      if (arrow) return arrow;
      const left = this.conditional();
      const op = this.peek();
      if (op.kind === 'punct' && ASSIGN_OPS.has(op.text)) {
        if (left.t !== 'ident' && left.t !== 'member') throw new JsSyntaxError('Invalid left-hand side in assignment expression.', left.start);
        this.next();
        const value = this.assignment();
        return { t: 'assign', op: op.text, target: left, value, start: left.start, end: value.end };
      }
      return left;
    } finally {
      this.depth--;
    }
  }

  private tryArrow(): JsExpr | null {
    const t = this.peek();
    let params: string[] | null = null;
    let consumed = 0;
    if (t.kind === 'name' && !RESERVED.has(t.text) && this.is('=>', 1)) {
      params = [t.text];
      consumed = 2;
    } else if (this.is('(')) {
      let k = 1;
      const names: string[] = [];
      while (this.peek(k).kind === 'name' && !RESERVED.has(this.peek(k).text)) {
        names.push(this.peek(k).text);
        k++;
        if (this.is(',', k)) k++;
        else break;
      }
      if (this.is(')', k) && this.is('=>', k + 1)) {
        params = names;
        consumed = k + 2;
      }
    }
    if (params === null) return null;
    for (let n = 0; n < consumed; n++) this.next();
    if (this.is('{')) {
      // Block bodies: only `{ return expr }` or `{ expr; expr }`.
      this.next();
      const body: JsExpr[] = [];
      while (!this.is('}')) {
        if (this.peek().kind === 'eof') throw new JsIncomplete();
        if (this.is('return')) this.next();
        if (this.is(';')) {
          this.next();
          continue;
        }
        body.push(this.expression());
        if (this.is(';')) this.next();
      }
      const end = this.next().end;
      const bodyExpr: JsExpr = body.length === 1 && body[0] ? body[0] : { t: 'seq', items: body, start: t.start, end };
      return { t: 'arrow', params, body: bodyExpr, start: t.start, end };
    }
    const body = this.assignment();
    return { t: 'arrow', params, body, start: t.start, end: body.end };
  }

  private conditional(): JsExpr {
    const test = this.binary(0);
    if (!this.is('?')) return test;
    this.next();
    const then = this.assignment();
    this.expect(':');
    const otherwise = this.assignment();
    return { t: 'cond', test, then, else: otherwise, start: test.start, end: otherwise.end };
  }

  private binary(minPrec: number): JsExpr {
    let left = this.unary();
    for (;;) {
      const op = this.peek();
      const prec = (op.kind === 'punct' || op.text === 'instanceof' || op.text === 'in') ? BINARY_PRECEDENCE[op.text] : undefined;
      if (prec === undefined || prec <= minPrec) return left;
      if (++this.operators > operatorChainMax) throw new JsTooDeep();
      this.next();
      this.enter();
      try {
        const right = op.text === '**' ? this.binary(prec - 1) : this.binary(prec);
        left = { t: 'binary', op: op.text, left, right, start: left.start, end: right.end };
      } finally {
        this.depth--;
      }
    }
  }

  private unary(): JsExpr {
    const t = this.peek();
    if ((t.kind === 'punct' && ['!', '-', '+', '~'].includes(t.text)) || (t.kind === 'name' && ['typeof', 'void', 'await'].includes(t.text))) {
      this.next();
      this.enter();
      try {
        const arg = this.unary();
        if (t.text === 'await') return arg;
        return { t: 'unary', op: t.text, arg, start: t.start, end: arg.end };
      } finally {
        this.depth--;
      }
    }
    if (t.kind === 'punct' && (t.text === '++' || t.text === '--')) {
      throw new JsUnsupported(`'${t.text}' is not supported in this lab's mongosh`);
    }
    if (t.kind === 'name' && t.text === 'delete') throw new JsUnsupported("'delete' is not supported in this lab's mongosh");
    return this.postfix();
  }

  private postfix(): JsExpr {
    let e: JsExpr;
    if (this.is('new')) {
      const start = this.next().start;
      let callee = this.primary();
      while (this.is('.')) {
        this.next();
        const name = this.peek();
        if (name.kind !== 'name') this.unexpected(name);
        this.next();
        callee = { t: 'member', obj: callee, prop: name.text, optional: false, start: callee.start, end: name.end };
      }
      const args = this.is('(') ? this.args() : [];
      e = { t: 'call', callee, args, isNew: true, start, end: this.prevEnd() };
    } else {
      e = this.primary();
    }
    for (;;) {
      if ((this.is('.') || this.is('?.') || this.is('[') || this.is('(')) && ++this.operators > operatorChainMax) throw new JsTooDeep();
      if (this.is('.') || this.is('?.')) {
        const optional = this.next().text === '?.';
        if (optional && this.is('(')) {
          const args = this.args();
          e = { t: 'call', callee: e, args, isNew: false, start: e.start, end: this.prevEnd() };
          continue;
        }
        const name = this.peek();
        if (name.kind !== 'name') this.unexpected(name);
        this.next();
        e = { t: 'member', obj: e, prop: name.text, optional, start: e.start, end: name.end };
      } else if (this.is('[')) {
        this.next();
        this.enter();
        try {
          const prop = this.expression();
          this.expect(']');
          e = { t: 'member', obj: e, prop, optional: false, start: e.start, end: this.prevEnd() };
        } finally {
          this.depth--;
        }
      } else if (this.is('(')) {
        const args = this.args();
        e = { t: 'call', callee: e, args, isNew: false, start: e.start, end: this.prevEnd() };
      } else if (this.peek().kind === 'template') {
        throw new JsUnsupported('tagged templates are not supported in this lab\'s mongosh');
      } else {
        return e;
      }
    }
  }

  private args(): JsExpr[] {
    this.expect('(');
    this.enter();
    try {
      const args: JsExpr[] = [];
      while (!this.is(')')) {
        if (this.is('...')) throw new JsUnsupported("spread arguments are not supported in this lab's mongosh");
        args.push(this.assignment());
        if (this.is(')')) break;
        this.expect(',');
      }
      this.next();
      return args;
    } finally {
      this.depth--;
    }
  }

  private primary(): JsExpr {
    const t = this.peek();
    switch (t.kind) {
      case 'num':
        this.next();
        return { t: 'num', value: Number(t.value), start: t.start, end: t.end };
      case 'str':
      case 'template':
        this.next();
        return { t: 'str', value: String(t.value), start: t.start, end: t.end };
      case 'regex':
        this.next();
        return { t: 'regex', pattern: String(t.value), flags: t.flags ?? '', start: t.start, end: t.end };
      case 'name':
        this.next();
        switch (t.text) {
          case 'true':
          case 'false':
            return { t: 'lit', value: t.text === 'true', start: t.start, end: t.end };
          case 'null':
            return { t: 'lit', value: null, start: t.start, end: t.end };
          case 'this':
            return { t: 'this', start: t.start, end: t.end };
          case 'function':
          case 'class':
            throw new JsUnsupported(`'${t.text}' is not supported in this lab's mongosh; use an arrow function (x => ...)`);
        }
        if (RESERVED.has(t.text)) return this.unexpected(t);
        return { t: 'ident', name: t.text, start: t.start, end: t.end };
      case 'punct':
        if (t.text === '(') {
          this.next();
          this.enter();
          try {
            const e = this.expression();
            if (!this.is(')')) this.unexpected(this.peek(), ',');
            this.next();
            return e;
          } finally {
            this.depth--;
          }
        }
        if (t.text === '[') return this.arrayLiteral();
        if (t.text === '{') return this.objectLiteral();
        return this.unexpected(t);
      default:
        return this.unexpected(t);
    }
  }

  private arrayLiteral(): JsExpr {
    const start = this.next().start;
    this.enter();
    try {
      const items: JsExpr[] = [];
      while (!this.is(']')) {
        if (this.is(',')) {
          this.next();
          items.push({ t: 'lit', value: undefined, start, end: start });
          continue;
        }
        if (this.is('...')) throw new JsUnsupported("spread elements are not supported in this lab's mongosh");
        items.push(this.assignment());
        if (this.is(']')) break;
        this.expect(',');
      }
      return { t: 'array', items, start, end: this.next().end };
    } finally {
      this.depth--;
    }
  }

  private objectLiteral(): JsExpr {
    const start = this.next().start;
    this.enter();
    try {
      const props: Array<{ key: string | JsExpr; value: JsExpr }> = [];
      while (!this.is('}')) {
        const k = this.peek();
        let key: string | JsExpr;
        if (k.kind === 'name') key = k.text;
        else if (k.kind === 'str') key = String(k.value);
        else if (k.kind === 'num') key = String(Number(k.value));
        else if (this.is('[')) {
          this.next();
          key = this.assignment();
          this.expect(']');
        } else if (this.is('...')) {
          throw new JsUnsupported("spread properties are not supported in this lab's mongosh");
        } else {
          return this.unexpected(k);
        }
        if (typeof key === 'string') this.next();
        if (this.is(':')) {
          this.next();
          props.push({ key, value: this.assignment() });
        } else if (typeof key === 'string' && k.kind === 'name' && (this.is(',') || this.is('}'))) {
          props.push({ key, value: { t: 'ident', name: key, start: k.start, end: k.end } });
        } else if (this.is('(')) {
          throw new JsUnsupported("methods in object literals are not supported in this lab's mongosh");
        } else {
          return this.unexpected(this.peek(), ',');
        }
        if (this.is('}')) break;
        this.expect(',');
      }
      return { t: 'object', props, start, end: this.next().end };
    } finally {
      this.depth--;
    }
  }
}

/** `(line:column)` as Babel counts them: line from 1, column from 0. */
export function lineColumn(src: string, offset: number): { line: number; column: number } {
  const before = src.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) };
}

/** Babel's code frame: the error line marked `>` with two lines before and three after, and a caret. */
export function codeFrame(src: string, offset: number): string {
  const lines = src.split('\n');
  const { line, column } = lineColumn(src, offset);
  const first = Math.max(1, line - 2);
  const last = Math.min(lines.length, line + 3);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const text = lines[n - 1] ?? '';
    const gutter = String(n).padStart(width);
    out.push(`${n === line ? '>' : ' '} ${gutter} |${text === '' ? '' : ` ${text}`}`);
    if (n === line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(column)}^`);
  }
  return out.join('\n');
}
