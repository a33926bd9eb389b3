/**
 * A failing run as files a developer reads, in the spirit of Jepsen's store/ directory: the plan
 * as JSON (`simulate --replay` runs it again) and a text report with the violations, the member
 * settings, the nemesis schedule, the whole history in order (one line per event, with the
 * process, like Jepsen's history.txt) and the same operations per client.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EJSON } from 'bson';
import type { HistoryEvent } from './history';
import { NEMESIS_PROCESS, operations } from './history';
import type { RunPlan } from './plan';
import { describeNemesis } from './plan';
import type { SimulationRunResult } from './run';

export interface ReportFiles {
  report: string;
  plan: string;
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  return EJSON.stringify(value as never, { relaxed: true });
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function processName(process: number): string {
  return process === NEMESIS_PROCESS ? 'nemesis' : process >= 10_000 ? `final` : `p${process}`;
}

/** Jepsen-style history lines: time, process, type, f, value, member, error or note. */
export function historyLines(history: readonly HistoryEvent[]): string[] {
  return history.map((e) => {
    const extra = [e.node ? `@${e.node.replace(/^.*:/, 'n')}` : '', e.error ? `(${e.error})` : '', e.note && e.type === 'invoke' ? `[${e.note}]` : e.process === NEMESIS_PROCESS && e.note ? `[${e.note}]` : ''].filter((x) => x !== '').join(' ');
    return `${pad(`${e.timeMillis}ms`, 9)} ${pad(processName(e.process), 8)} ${pad(`:${e.type}`, 8)} ${pad(`:${e.f}`, 12)} ${pad(formatValue(e.value), 36)} ${extra}`.trimEnd();
  });
}

/** Each client's operations, one line each: what, how it ended, when, on which member. */
export function perClientLines(history: readonly HistoryEvent[]): string[] {
  const ops = operations(history);
  const byProcess = new Map<number, typeof ops>();
  for (const op of ops) {
    let list = byProcess.get(op.process);
    if (!list) byProcess.set(op.process, (list = []));
    list.push(op);
  }
  const lines: string[] = [];
  for (const [process, list] of [...byProcess].sort(([a], [b]) => a - b)) {
    lines.push(`${processName(process)}:`);
    for (const op of list) {
      const end = Number.isFinite(op.completeMillis) ? `${op.completeMillis}ms` : '?';
      lines.push(`  ${pad(`${op.invokeMillis}..${end}`, 16)} ${pad(op.f, 6)} ${pad(formatValue(op.value), 36)} ${pad(op.type, 4)} ${formatValue(op.result)} ${op.node ? `@${op.node.replace(/^.*:/, 'n')}` : ''} ${op.error ? `(${op.error})` : ''}`.trimEnd());
    }
  }
  return lines;
}

export function describePlan(plan: RunPlan): string[] {
  return [
    `members: ${plan.members} (${plan.memberConfigs.map((m, i) => `n${27017 + i}${Object.keys(m).length > 0 ? ` ${JSON.stringify(m)}` : ''}`).join(', ')}), electionTimeoutMillis ${plan.electionTimeoutMillis}, links ${plan.linkDelayMillis} ms`,
    `storage: journal ${plan.journal ? 'on (in-memory file system)' : 'off (state kept in memory across restarts)'}, oplog ${plan.oplogEntriesMax === undefined ? 'default size' : `capped at ${plan.oplogEntriesMax} entries`}`,
    `clocks: rates ${plan.clockRates.join(' ')}, offsets ${plan.clockOffsetsMillis.join(' ')} ms`,
    `workloads: ${plan.workloads.join(', ')}; ${plan.clients.length} clients, ${plan.clients.reduce((n, c) => n + c.ops.length, 0)} planned operations over ${plan.durationMillis} ms`,
    `nemesis families: ${plan.families.join(', ') || 'none'}${plan.bugs.length > 0 ? `; injected bugs: ${plan.bugs.join(', ')}` : ''}`,
  ];
}

export function scheduleLines(plan: RunPlan): string[] {
  return plan.nemeses.map((e) => `${pad(`${e.atMillis}ms`, 9)} ${describeNemesis(e.action)}`);
}

/** Write `<dir>/seed-<S>[-shrunk].txt` and `.plan.json`; returns their paths. */
export function writeReport(dir: string, result: SimulationRunResult, options: { shrunk?: { runs: number; before: { nemeses: number; operations: number }; after: { nemeses: number; operations: number } }; replay: string }): ReportFiles {
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `seed-${result.seed}${options.shrunk ? '-shrunk' : ''}`);
  const planFile = `${base}.plan.json`;
  const reportFile = `${base}.txt`;
  writeFileSync(planFile, `${JSON.stringify(result.plan, null, 1)}\n`);
  const history = result.history ?? [];
  const lines = [
    `Simulated replica set run, seed ${result.seed}${options.shrunk ? ` (shrunk in ${options.shrunk.runs} runs: ${options.shrunk.after.nemeses} of ${options.shrunk.before.nemeses} nemesis events, ${options.shrunk.after.operations} of ${options.shrunk.before.operations} operations)` : ''}`,
    `replay: ${options.replay}`,
    `replay this plan: pnpm --filter @rslab/sim simulate --replay ${path.resolve(planFile)}`,
    '',
    ...describePlan(result.plan),
    '',
    `violations (${result.found.length}):`,
    ...result.found.map((v) => `  [${v.checker} ${v.kind}] ${v.message}${v.events && v.events.length > 0 ? ` (events ${v.events.join(', ')})` : ''}`),
    '',
    'checkers:',
    ...result.checkers.map((c) => `  ${pad(c.checker, 13)} ${c.valid === true ? 'valid' : c.valid === false ? 'INVALID' : 'unknown'} ${JSON.stringify(c.stats)}${c.notes ? ` ${c.notes.join('; ')}` : ''}`),
    '',
    'nemesis schedule:',
    ...scheduleLines(result.plan),
    '',
    `history (${history.length} events, in the order they happened; :info = outcome unknown):`,
    ...historyLines(history),
    '',
    'operations per client process:',
    ...perClientLines(history),
    '',
  ];
  writeFileSync(reportFile, lines.join('\n'));
  return { report: reportFile, plan: planFile };
}
