import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

const docPath = new URL('../../docs/BENCHMARKS.md', import.meta.url);

/** A line naming the machine and its load, so figures from a busy machine read as such. */
export function machineLine(): string {
  const load = loadavg().map((value) => value.toFixed(1)).join(' / ');
  return `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, load average ${load}.`;
}

/** Replace (or append) the `## TITLE` section of docs/BENCHMARKS.md, leaving the others as they are. */
export function writeBenchmarkSection(title: string, body: string[]): void {
  const heading = `## ${title}`;
  const section = [heading, '', ...body].join('\n').trimEnd();
  const text = readFileSync(docPath, 'utf8');
  const start = text.indexOf(`${heading}\n`);
  let next: string;
  if (start === -1) {
    next = `${text.trimEnd()}\n\n${section}\n`;
  } else {
    const after = text.indexOf('\n## ', start + heading.length);
    next = `${text.slice(0, start)}${section}\n${after === -1 ? '' : text.slice(after)}`;
  }
  writeFileSync(docPath, next.endsWith('\n') ? next : `${next}\n`);
  console.log(`wrote the ${title} section of docs/BENCHMARKS.md`);
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] as number;
}
