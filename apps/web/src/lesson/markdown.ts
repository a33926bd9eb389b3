/**
 * A tiny Markdown reader for lesson text: paragraphs, `code`, **bold**, *emphasis*, bullet and
 * numbered lists, fenced code and `#` headings. It builds a tree that React renders as elements,
 * so nothing in the text can ever become HTML.
 */
export type Inline =
  | { type: 'text'; text: string }
  | { type: 'code'; text: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] };

export type Block =
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'heading'; level: 1 | 2 | 3; children: Inline[] }
  | { type: 'list'; ordered: boolean; items: Inline[][] }
  | { type: 'code'; lang: string | null; text: string };

/** Longest lesson text the reader accepts, so a bad message cannot stall the page. */
export const markdownLengthMax = 100_000;

const fence = /^\s*(```|~~~)\s*([\w+-]*)\s*$/;
const bullet = /^\s*[-*+]\s+(.*)$/;
const numbered = /^\s*\d{1,9}[.)]\s+(.*)$/;
const heading = /^(#{1,3})\s+(.*)$/;

export function parseMarkdown(source: string): Block[] {
  if (source.length > markdownLengthMax) throw new RangeError(`markdown longer than ${markdownLengthMax} characters`);
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ type: 'paragraph', children: parseInline(paragraph.join(' ')) });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const open = fence.exec(line);
    if (open) {
      flush();
      const marker = open[1] as string;
      const body: string[] = [];
      i += 1;
      while (i < lines.length && (lines[i] as string).trim() !== marker) body.push(lines[i++] as string);
      blocks.push({ type: 'code', lang: open[2] ? (open[2] as string) : null, text: body.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const h = heading.exec(line);
    if (h) {
      flush();
      blocks.push({ type: 'heading', level: (h[1] as string).length as 1 | 2 | 3, children: parseInline((h[2] as string).trim()) });
      continue;
    }
    const item = bullet.exec(line) ?? numbered.exec(line);
    if (item) {
      flush();
      const ordered = !bullet.test(line);
      const last = blocks[blocks.length - 1];
      const children = parseInline((item[1] as string).trim());
      if (last?.type === 'list' && last.ordered === ordered && lines[i - 1]?.trim() !== '') last.items.push(children);
      else blocks.push({ type: 'list', ordered, items: [children] });
      continue;
    }
    const last = blocks[blocks.length - 1];
    if (paragraph.length === 0 && last?.type === 'list' && /^\s+\S/.test(line) && lines[i - 1]?.trim() !== '') {
      // An indented line right after a list item continues that item.
      const items = last.items;
      items[items.length - 1] = parseInline(`${inlineText(items[items.length - 1] as Inline[])} ${line.trim()}`);
      continue;
    }
    paragraph.push(line.trim());
  }
  flush();
  return blocks;
}

/** Inline spans: backtick code first (nothing inside it is special), then ** and * pairs. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = '';
  const push = (node: Inline) => {
    if (plain) out.push({ type: 'text', text: plain });
    plain = '';
    out.push(node);
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length && '\\`*_'.includes(text[i + 1] as string)) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (ch === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i) {
        push({ type: 'code', text: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    if (text.startsWith('**', i)) {
      const end = text.indexOf('**', i + 2);
      if (end > i + 2) {
        push({ type: 'strong', children: parseInline(text.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    }
    if ((ch === '*' || ch === '_') && text[i + 1] !== ch && text[i + 1] !== ' ' && text[i + 1] !== undefined) {
      const end = text.indexOf(ch, i + 1);
      // `_` only counts at word edges, so snake_case names stay as they are.
      const edge = ch === '*' || ((i === 0 || /\W/.test(text[i - 1] as string)) && (end + 1 >= text.length || /\W/.test(text[end + 1] as string)));
      if (end > i + 1 && text[end - 1] !== ' ' && edge) {
        push({ type: 'em', children: parseInline(text.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    plain += ch;
    i += 1;
  }
  if (plain) out.push({ type: 'text', text: plain });
  return out;
}

/** The plain text of inline nodes (markers dropped): for labels and for joining lines. */
export function inlineText(nodes: readonly Inline[]): string {
  return nodes.map((n) => (n.type === 'text' || n.type === 'code' ? (n.type === 'code' ? `\`${n.text}\`` : n.text) : n.type === 'strong' ? `**${inlineText(n.children)}**` : `*${inlineText(n.children)}*`)).join('');
}
