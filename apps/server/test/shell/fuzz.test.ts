import { describe, expect, it } from 'vitest';
import { BashShell } from '../../src/shell/bash/shell';
import type { Repl } from '../../src/shell/io';
import { run } from './harness';

/** A small seeded PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lines per shell; raise SHELL_FUZZ_LINES locally for a longer run. */
const fuzzLines = Number(process.env.SHELL_FUZZ_LINES ?? 1500);

const pieces = [
  'db', '.', 'test', 'find_one', 'find', 'insert_one', 'insertOne', 'rs', 'initiate', 'status', '(', ')', '[', ']', '{', '}', ':', ',',
  '"x"', "'y'", '"', "'", '`', '1', '1.5', '-', '+', '*', '/', '=', '==', 'for', 'in', 'print', 'from', 'import', 'pymongo', 'Connection',
  'MongoClient', 'ObjectId', 'None', 'null', 'True', 'true', 'lambda', 'def', '\\', '#', ';', '&', '&&', '|', '$', '$(', 'mongod', '--port',
  'kill', '-9', 'use', 'show', 'it', 'exit', ' ', ' ', '\t', '\n', '\u0000', '\u0007', '\u00e9', '\u20ac', '\ud83d\ude00', '\ud800', '**', '%',
  'not', 'and', 'x', 'y', '_id', '$set', '0x', '1e999', '10**10', '...', '=>', '?.', '??', "f'", 'f"', '{{', '}}', '!r', ':>5',
];

function randomLine(rand: () => number): string {
  const n = Math.floor(rand() * 24);
  let s = '';
  for (let i = 0; i < n; i++) s += pieces[Math.floor(rand() * pieces.length)] ?? '';
  if (rand() < 0.1) s += String.fromCharCode(Math.floor(rand() * 0x10000));
  return s;
}

async function hammer(make: () => Repl, seed: number, lines: number): Promise<void> {
  const rand = prng(seed);
  let repl = make();
  for (let i = 0; i < lines; i++) {
    const line = randomLine(rand);
    const r = await run(repl, line);
    expect(r.output, JSON.stringify(line)).not.toMatch(/SystemError|MongoshInternalError|internal error/);
    if (r.outcome.exit) repl = make();
    expect(typeof repl.prompt()).toBe('string');
  }
}

/** What python/mongosh push on top of bash here (the real runtimes are tested in @rslab/runtime). */
function stub(title: string): Repl {
  return { title, prompt: () => '>>> ', execute: () => Promise.resolve({ exit: true }) };
}

describe('fuzzing the servers shell with random lines', () => {
  it('bash never throws', async () => {
    const host = {
      hostname: () => 'morton.local',
      now: () => 0,
      mongod: () => Promise.resolve({ pid: 1, port: 27017, logHint: 'logs 1' }),
      ps: () => [],
      kill: () => Promise.resolve(false),
      logs: () => Promise.resolve(),
      python: () => Promise.resolve(stub('python')),
      mongosh: () => Promise.resolve(stub('mongosh')),
    };
    await hammer(() => new BashShell(host), 1, fuzzLines);
  });
});
