/**
 * Shrinking a failing plan: drop nemesis events, then whole clients, then client operations,
 * keeping each cut while the run still fails the same way (same checker and kind of violation),
 * with delta debugging (Zeller's ddmin) over each list. Every try is a full run, so the number of
 * runs is bounded; what is left is a plan whose every event and operation (as far as the budget
 * went) is needed for the failure.
 */
import type { Violation } from './checkers/result';
import type { RunPlan } from './plan';
import type { SimulationOptions, SimulationRunResult } from './run';
import { executePlan } from './run';

export interface ShrinkResult {
  plan: RunPlan;
  result: SimulationRunResult;
  runs: number;
  /** Counts before and after, for the report. */
  before: { nemeses: number; operations: number; clients: number };
  after: { nemeses: number; operations: number; clients: number };
}

export const SHRINK_RUNS_MAX = 120;

function sameFailure(target: Violation, result: SimulationRunResult): boolean {
  return result.found.some((v) => v.checker === target.checker && v.kind === target.kind);
}

function counts(plan: RunPlan): { nemeses: number; operations: number; clients: number } {
  return { nemeses: plan.nemeses.length, operations: plan.clients.reduce((n, c) => n + c.ops.length, 0), clients: plan.clients.length };
}

/** ddmin over `items`: the smallest sublist (within the budget) for which `fails` still holds. */
async function ddmin<T>(items: readonly T[], fails: (kept: T[]) => Promise<boolean>, budget: { left: number }): Promise<T[]> {
  let list = [...items];
  let n = 2;
  while (list.length >= 1 && budget.left > 0) {
    const size = Math.ceil(list.length / n);
    let reduced = false;
    for (let start = 0; start < list.length && budget.left > 0; start += size) {
      const complement = [...list.slice(0, start), ...list.slice(start + size)];
      if (complement.length === list.length) continue;
      budget.left--;
      if (await fails(complement)) {
        list = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (size <= 1) break;
      n = Math.min(n * 2, list.length);
    }
  }
  return list;
}

export async function shrinkPlan(failing: SimulationRunResult, options: SimulationOptions = {}, runsMax = SHRINK_RUNS_MAX): Promise<ShrinkResult> {
  const target = failing.found[0];
  if (!target) throw new Error('shrinkPlan: the run did not fail');
  const budget = { left: runsMax };
  let best = failing;
  let plan = failing.plan;
  const before = counts(plan);
  const attempt = async (candidate: RunPlan): Promise<boolean> => {
    const result = await executePlan(candidate, options);
    if (!sameFailure(target, result)) return false;
    best = result;
    plan = candidate;
    return true;
  };
  // Nemesis events first: they are few and each cut makes runs shorter.
  await ddmin(plan.nemeses, (kept) => attempt({ ...plan, nemeses: kept }), budget);
  // Whole clients, then each client's operations.
  const allClients = plan.clients;
  await ddmin(allClients.map((_, i) => i), (kept) => attempt({ ...plan, clients: allClients.filter((_, i) => kept.includes(i)) }), budget);
  for (let i = 0; i < plan.clients.length && budget.left > 0; i++) {
    const index = i;
    await ddmin(plan.clients[index]!.ops, (kept) => attempt({ ...plan, clients: plan.clients.map((c, j) => (j === index ? { ...c, ops: kept } : c)) }), budget);
  }
  return { plan, result: best, runs: runsMax - budget.left, before, after: counts(plan) };
}
