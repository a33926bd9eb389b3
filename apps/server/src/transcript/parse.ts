/**
 * Transcripts: one typed line per line, plus directives in comments —
 *   # tab:NAME            switch to (or open) the shell called NAME
 *   # wait 12s            let 12 s of sandbox time pass (also 500ms)
 *   # control ACTION ARGS press a cluster-view button: kill primary, restart killed, partition primary…
 *   # expect TEXT         the last line's output must contain TEXT
 *   # expect /REGEX/      …or match REGEX
 *   # expect-not TEXT     …must not contain TEXT
 *   # until /REGEX/ 30s   re-run the last line until its output matches, for at most 30 s of sandbox time
 *   # predict CHOICE      answer the current lesson step's prediction with choice CHOICE
 * Any other line starting with `# ` is a comment. A line of just `#` is typed as is.
 */
export type TranscriptStep =
  | { kind: 'line'; text: string; lineNumber: number }
  | { kind: 'tab'; name: string; lineNumber: number }
  | { kind: 'wait'; millis: number; lineNumber: number }
  | { kind: 'control'; action: string; args: string[]; lineNumber: number }
  | { kind: 'predict'; choice: string; lineNumber: number }
  | { kind: 'expect'; matcher: Matcher; negate: boolean; lineNumber: number }
  | { kind: 'until'; matcher: Matcher; withinMillis: number; lineNumber: number };

export type Matcher = { type: 'text'; text: string } | { type: 'regex'; regex: RegExp };

export class TranscriptSyntaxError extends Error {
  override readonly name = 'TranscriptSyntaxError';
  constructor(
    readonly lineNumber: number,
    message: string,
  ) {
    super(`line ${lineNumber}: ${message}`);
  }
}

export function parseDuration(text: string, lineNumber: number): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  if (!match) throw new TranscriptSyntaxError(lineNumber, `bad duration '${text}' (use 500ms, 12s or 2m)`);
  const value = Number(match[1]);
  return match[2] === 'ms' ? value : match[2] === 's' ? value * 1000 : value * 60_000;
}

function parseMatcher(text: string, lineNumber: number): Matcher {
  const regex = /^\/(.*)\/([a-z]*)$/.exec(text);
  if (regex) {
    try {
      return { type: 'regex', regex: new RegExp(regex[1] as string, regex[2]) };
    } catch (error) {
      throw new TranscriptSyntaxError(lineNumber, `bad regular expression: ${(error as Error).message}`);
    }
  }
  return { type: 'text', text };
}

export function matches(matcher: Matcher, output: string): boolean {
  return matcher.type === 'text' ? output.includes(matcher.text) : matcher.regex.test(output);
}

export function describeMatcher(matcher: Matcher): string {
  return matcher.type === 'text' ? JSON.stringify(matcher.text) : String(matcher.regex);
}

export function parseTranscript(source: string): TranscriptStep[] {
  const steps: TranscriptStep[] = [];
  source.split(/\r?\n/).forEach((raw, index) => {
    const lineNumber = index + 1;
    if (!raw.startsWith('# ')) {
      if (raw.trim() !== '' || steps.length > 0) steps.push({ kind: 'line', text: raw, lineNumber });
      return;
    }
    const directive = raw.slice(2).trim();
    const tab = /^tab:([A-Za-z0-9_-]{1,32})$/.exec(directive);
    if (tab) return void steps.push({ kind: 'tab', name: tab[1] as string, lineNumber });
    if (directive.startsWith('wait ')) return void steps.push({ kind: 'wait', millis: parseDuration(directive.slice(5), lineNumber), lineNumber });
    if (directive.startsWith('control ')) {
      const [action, ...args] = directive.slice(8).trim().split(/\s+/);
      if (!action) throw new TranscriptSyntaxError(lineNumber, 'control needs an action');
      return void steps.push({ kind: 'control', action, args, lineNumber });
    }
    const predict = /^predict ([A-Za-z0-9_-]{1,64})$/.exec(directive);
    if (predict) return void steps.push({ kind: 'predict', choice: predict[1] as string, lineNumber });
    if (directive.startsWith('expect-not ')) {
      return void steps.push({ kind: 'expect', matcher: parseMatcher(directive.slice(11), lineNumber), negate: true, lineNumber });
    }
    if (directive.startsWith('expect ')) {
      return void steps.push({ kind: 'expect', matcher: parseMatcher(directive.slice(7), lineNumber), negate: false, lineNumber });
    }
    const until = /^until (\/.*\/[a-z]*|\S.*?) (\d+(?:\.\d+)?(?:ms|s|m))$/.exec(directive);
    if (until) {
      return void steps.push({
        kind: 'until',
        matcher: parseMatcher(until[1] as string, lineNumber),
        withinMillis: parseDuration(until[2] as string, lineNumber),
        lineNumber,
      });
    }
    // Anything else after "# " is a comment for the reader.
  });
  // Trailing blank lines are not input.
  while (steps.length > 0) {
    const last = steps[steps.length - 1];
    if (last?.kind === 'line' && last.text.trim() === '') steps.pop();
    else break;
  }
  return steps;
}
