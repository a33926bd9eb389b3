import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Driver } from './driver';

/**
 * The topology core's decisions as etcd raft tests its `raft.go`: scripts in testdata/*.txt, each
 * command an event stepped into one member's core, followed by `----` and the actions the core
 * answered with (driver.ts says what the commands mean). The expected output is part of the
 * script; `REWRITE=1 pnpm exec vitest run test/repl/topology` writes what the core does now, to
 * be read and judged before it is committed.
 */

const dir = new URL('./testdata/', import.meta.url);
const rewrite = process.env.REWRITE === '1';

interface Block {
  comments: string[];
  command: string;
  expected: string[];
}

function parse(text: string, file: string): { blocks: Block[]; trailing: string[] } {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let comments: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      if (comments.length > 0) comments.push('');
      i++;
      continue;
    }
    if (line.startsWith('#')) {
      comments.push(line);
      i++;
      continue;
    }
    if (lines[i + 1] !== '----') throw new Error(`${file}:${i + 1}: \`${line}\` must be followed by a ---- line`);
    const expected: string[] = [];
    i += 2;
    while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
    while (comments.length > 0 && comments[comments.length - 1] === '') comments.pop();
    blocks.push({ comments, command: line, expected });
    comments = [];
  }
  while (comments.length > 0 && comments[comments.length - 1] === '') comments.pop();
  return { blocks, trailing: comments };
}

function render(blocks: readonly Block[], outputs: readonly string[][], trailing: readonly string[]): string {
  const parts = blocks.map((b, i) => [...b.comments, b.command, '----', ...outputs[i]!].join('\n'));
  if (trailing.length > 0) parts.push(trailing.join('\n'));
  return `${parts.join('\n\n')}\n`;
}

describe('topology core scripts (test/repl/topology/testdata/*.txt)', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

  it('has scripts, each with commands', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(parse(readFileSync(new URL(file, dir), 'utf8'), file).blocks.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(file, () => {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const { blocks, trailing } = parse(text, file);
      const driver = new Driver();
      const outputs = blocks.map((b) => {
        try {
          return driver.run(b.command);
        } catch (e) {
          return [`error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`];
        }
      });
      const actual = render(blocks, outputs, trailing);
      if (rewrite) writeFileSync(new URL(file, dir), actual);
      else expect(actual).toBe(render(blocks, blocks.map((b) => b.expected), trailing));
    });
  }
});
