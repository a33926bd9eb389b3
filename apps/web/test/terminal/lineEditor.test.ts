import { describe, expect, it } from 'vitest';
import { LineEditor, type EditorEffect } from '../../src/terminal/lineEditor';

const submits = (effects: EditorEffect[]) =>
  effects.filter((e): e is Extract<EditorEffect, { type: 'submit' }> => e.type === 'submit').map((e) => e.line);
const written = (effects: EditorEffect[]) =>
  effects.filter((e): e is Extract<EditorEffect, { type: 'write' }> => e.type === 'write').map((e) => e.data).join('');

const LEFT = '\x1b[D';
const RIGHT = '\x1b[C';
const UP = '\x1b[A';
const DOWN = '\x1b[B';
const HOME = '\x1b[H';
const END = '\x1b[F';

function ready(options = {}) {
  const editor = new LineEditor(options);
  editor.start('$ ');
  return editor;
}

describe('LineEditor', () => {
  it('does not leave a blank row after a line that ends exactly at the right edge', () => {
    const editor = ready({ columns: 10 });
    const typed = written(editor.feed('12345678'));
    expect(typed).toContain(' \r'); // the editor forced the wrap itself
    const submitted = editor.feed('\r');
    expect(submits(submitted)).toEqual(['12345678']);
    expect(written(submitted)).not.toContain('\n');
    const short = ready({ columns: 10 });
    short.feed('1234567');
    expect(written(short.feed('\r'))).toContain('\r\n');
  });

  it('types, edits in the middle and submits the line', () => {
    const editor = ready();
    editor.feed('hostame');
    editor.feed(`${LEFT}${LEFT}${LEFT}n`);
    expect(editor.line).toBe('hostname');
    expect(editor.cursorPosition).toBe(5);
    editor.feed(`${END}x\x7f`);
    expect(editor.line).toBe('hostname');
    expect(submits(editor.feed('\r'))).toEqual(['hostname']);
    expect(editor.isActive).toBe(false);
  });

  it('supports home/end, delete, Ctrl-A/E/U/K/W', () => {
    const editor = ready();
    editor.feed('abc def ghi');
    editor.feed(HOME);
    expect(editor.cursorPosition).toBe(0);
    editor.feed('\x1b[3~');
    expect(editor.line).toBe('bc def ghi');
    editor.feed('\x05\x17');
    expect(editor.line).toBe('bc def ');
    editor.feed('\x01\x0b');
    expect(editor.line).toBe('');
    editor.feed('one two\x02\x02\x15');
    expect(editor.line).toBe('wo');
    editor.feed(RIGHT + RIGHT + RIGHT);
    expect(editor.cursorPosition).toBe(2);
  });

  it('walks history with up/down and restores the draft', () => {
    const editor = new LineEditor();
    editor.setHistory(['first', 'second']);
    editor.start('$ ');
    editor.feed('dra');
    editor.feed(UP);
    expect(editor.line).toBe('second');
    editor.feed(UP + UP);
    expect(editor.line).toBe('first');
    editor.feed(DOWN);
    expect(editor.line).toBe('second');
    editor.feed(DOWN);
    expect(editor.line).toBe('dra');
    editor.feed('\r');
    editor.start('$ ');
    editor.feed(UP);
    expect(editor.line).toBe('dra');
    expect(editor.getHistory()).toEqual(['first', 'second', 'dra']);
  });

  it('does not store blank lines or repeats, and bounds history', () => {
    const editor = new LineEditor({ historyMax: 2 });
    for (const line of ['a', 'a', '  ', 'b', 'c']) {
      editor.start('$ ');
      editor.feed(`${line}\r`);
    }
    expect(editor.getHistory()).toEqual(['b', 'c']);
  });

  it('cancels the line on Ctrl-C: echoes ^C, tells the shell, and waits for its prompt', () => {
    const editor = ready();
    editor.feed('half typed');
    const effects = editor.feed('\x03');
    expect(written(effects)).toBe('^C');
    expect(effects.some((e) => e.type === 'interrupt')).toBe(true);
    expect(editor.line).toBe('');
    expect(editor.isActive).toBe(false);
    editor.start('$ ');
    expect(editor.isActive).toBe(true);
  });

  it('sends end of input on Ctrl-D at an empty line, and deletes forward otherwise', () => {
    const editor = ready();
    editor.feed('ab\x1b[D');
    expect(editor.feed('\x04').some((e) => e.type === 'eof')).toBe(false);
    expect(editor.line).toBe('a');
    editor.feed('\x15');
    expect(editor.feed('\x04')).toEqual([{ type: 'eof' }]);
    expect(editor.isActive).toBe(false);
  });

  it('sends Ctrl-C to a running command and drops its typeahead', () => {
    const editor = ready();
    editor.feed('sleep\r');
    editor.feed('typed while busy');
    const effects = editor.feed('\x03');
    expect(effects.some((e) => e.type === 'interrupt')).toBe(true);
    expect(submits(editor.start('$ '))).toEqual([]);
    expect(editor.line).toBe('');
  });

  it('keeps lines typed during a command and replays them at the next prompt', () => {
    const editor = ready();
    expect(submits(editor.feed('one\rtwo\rthr'))).toEqual(['one']);
    expect(submits(editor.start('$ '))).toEqual(['two']);
    editor.start('$ ');
    expect(editor.line).toBe('thr');
  });

  it('splits a multi-line paste (CRLF or LF) into lines', () => {
    const editor = ready();
    const lines: string[] = [];
    lines.push(...submits(editor.feed('a = 1\r\nb = 2\nprint(a)\n')));
    while (!editor.isActive || lines.length < 3) {
      lines.push(...submits(editor.start('>>> ')));
      if (lines.length >= 3) break;
    }
    expect(lines).toEqual(['a = 1', 'b = 2', 'print(a)']);
  });

  it('clears the screen on Ctrl-L and redraws prompt and line', () => {
    const editor = ready();
    editor.feed('abc');
    const out = written(editor.feed('\x0c'));
    expect(out.startsWith('\x1b[H\x1b[2J')).toBe(true);
    expect(out).toContain('$ abc');
    expect(editor.line).toBe('abc');
  });

  it('asks for completion on Tab and applies it', () => {
    const editor = ready();
    editor.feed('hostn');
    const [effect] = editor.feed('\t');
    expect(effect).toEqual({ type: 'complete', line: 'hostn', cursor: 5 });
    editor.applyCompletion(0, 'hostname ');
    expect(editor.line).toBe('hostname ');
  });

  it('moves up across wrapped rows when redrawing a long line', () => {
    const editor = ready({ columns: 10 });
    editor.feed('abcdefghijklmnop'); // prompt 2 + 16 = 18 cells: two rows
    const out = written(editor.feed(HOME));
    expect(out).toBe('\x1b[1A\x1b[3G');
    const redraw = written(editor.feed('X'));
    expect(redraw.startsWith('\r$ Xabcdefghijklmnop')).toBe(true);
  });

  it('ignores unknown escape sequences and control characters', () => {
    const editor = ready();
    editor.feed('a\x1b[99~\x07\x1b[15~b');
    expect(editor.line).toBe('ab');
  });
});
