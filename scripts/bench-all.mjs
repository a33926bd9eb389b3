#!/usr/bin/env node
// Runs every benchmark in bench/ one after another; each writes its section of docs/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const scripts = readdirSync(`${root}bench`).filter((name) => name.endsWith('.ts')).sort();
let failures = 0;
for (const script of scripts) {
  console.log(`\n=== bench/${script}`);
  const result = spawnSync('pnpm', ['exec', 'tsx', `bench/${script}`], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failures += 1;
}
process.exit(failures === 0 ? 0 : 1);
