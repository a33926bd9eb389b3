import { describe, expect, it } from 'vitest';
import { markdownLengthMax, parseInline, parseMarkdown } from '../../src/lesson/markdown';

describe('parseMarkdown', () => {
  it('splits paragraphs on blank lines and joins wrapped lines', () => {
    expect(parseMarkdown('one\ntwo\n\nthree')).toEqual([
      { type: 'paragraph', children: [{ type: 'text', text: 'one two' }] },
      { type: 'paragraph', children: [{ type: 'text', text: 'three' }] },
    ]);
  });
  it('keeps fenced code verbatim, markers and all', () => {
    const blocks = parseMarkdown('Run:\n```sh\nmongod --port 27018 **not bold**\n  indented\n```\nafter');
    expect(blocks[1]).toEqual({ type: 'code', lang: 'sh', text: 'mongod --port 27018 **not bold**\n  indented' });
    expect(blocks[2]).toEqual({ type: 'paragraph', children: [{ type: 'text', text: 'after' }] });
  });
  it('reads an unclosed fence to the end', () => {
    expect(parseMarkdown('```\nx')).toEqual([{ type: 'code', lang: null, text: 'x' }]);
  });
  it('reads bullet and numbered lists, with continuation lines', () => {
    const blocks = parseMarkdown('- first\n  more\n- `second`\n\n1. a\n2. b');
    expect(blocks[0]).toEqual({
      type: 'list',
      ordered: false,
      items: [[{ type: 'text', text: 'first more' }], [{ type: 'code', text: 'second' }]],
    });
    expect(blocks[1]).toMatchObject({ type: 'list', ordered: true, items: [[{ text: 'a' }], [{ text: 'b' }]] });
  });
  it('reads headings', () => {
    expect(parseMarkdown('## Fail over')).toEqual([{ type: 'heading', level: 2, children: [{ type: 'text', text: 'Fail over' }] }]);
  });
  it('leaves HTML as text: there is no way to inject markup', () => {
    const blocks = parseMarkdown('<img src=x onerror=alert(1)>');
    expect(blocks).toEqual([{ type: 'paragraph', children: [{ type: 'text', text: '<img src=x onerror=alert(1)>' }] }]);
  });
  it('refuses absurdly long text', () => {
    expect(() => parseMarkdown('x'.repeat(markdownLengthMax + 1))).toThrow(RangeError);
  });
});

describe('parseInline', () => {
  it('reads code, bold and emphasis', () => {
    expect(parseInline('use `rs.status()` **now**, *please*')).toEqual([
      { type: 'text', text: 'use ' },
      { type: 'code', text: 'rs.status()' },
      { type: 'text', text: ' ' },
      { type: 'strong', children: [{ type: 'text', text: 'now' }] },
      { type: 'text', text: ', ' },
      { type: 'em', children: [{ type: 'text', text: 'please' }] },
    ]);
  });
  it('does not look inside code spans', () => {
    expect(parseInline('`**x**`')).toEqual([{ type: 'code', text: '**x**' }]);
  });
  it('leaves snake_case, lone stars and unclosed markers alone', () => {
    expect(parseInline('slave_okay=True and a_b_c')).toEqual([{ type: 'text', text: 'slave_okay=True and a_b_c' }]);
    expect(parseInline('2 * 3 and **open')).toEqual([{ type: 'text', text: '2 * 3 and **open' }]);
  });
  it('honours backslash escapes', () => {
    expect(parseInline('\\*not em\\*')).toEqual([{ type: 'text', text: '*not em*' }]);
  });
});
