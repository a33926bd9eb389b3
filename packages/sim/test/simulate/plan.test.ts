import { describe, expect, it } from 'vitest';
import { TAG_WRITE_MODE, planRun } from '../../src/simulate/plan';
import type { RunPlan } from '../../src/simulate/plan';

/**
 * Issue 13's Done-when: the randomized schedules include kills of a majority, small oplogs with
 * added members, delayed and hidden members, tags (with a write concern mode over them), and forced
 * step-downs. Each must be emitted by the plan generator for some of the seeds CI runs (1..300).
 */

const SEEDS = Array.from({ length: 300 }, (_, i) => i + 1);

const kinds: Record<string, (p: RunPlan) => boolean> = {
  'kill of a majority, then a restart of all': (p) => p.nemeses.some((e) => e.action.kind === 'kill-majority') && p.nemeses.some((e) => e.action.kind === 'start-all'),
  'an added member with a small oplog': (p) => p.spareMembers === 1 && p.oplogEntriesMax !== undefined && p.nemeses.some((e) => e.action.kind === 'add-member'),
  // member_config.cpp: hidden and delayed members must have priority 0.
  'a hidden, delayed, priority-0 member': (p) => p.memberConfigs.some((m) => m.hidden === true && Number(m.secondaryDelaySecs) > 0 && m.priority === 0),
  'a hidden member without a delay': (p) => p.memberConfigs.some((m) => m.hidden === true && m.secondaryDelaySecs === undefined),
  'tagged members, a mode over the tags and writes that use it': (p) =>
    p.memberConfigs.every((m) => m.arbiterOnly === true || typeof (m.tags as { dc?: unknown } | undefined)?.dc === 'string') &&
    p.writeConcernModes?.[TAG_WRITE_MODE] !== undefined &&
    p.clients.some((c) => c.ops.some((o) => o.op.f === 'add' && o.op.w === TAG_WRITE_MODE)),
  'a forced replSetStepDown': (p) => p.nemeses.some((e) => e.action.kind === 'step-down' && e.action.force),
};

describe('simulate schedules (plan.ts planRun)', () => {
  const plans = SEEDS.map((seed) => planRun(seed));

  for (const [kind, has] of Object.entries(kinds)) {
    it(`some CI seed emits ${kind}`, () => {
      expect(plans.filter(has).length).toBeGreaterThan(0);
    });
  }

  it('the same seed makes the same plan', () => {
    for (const seed of [3, 10, 42, 1000000]) expect(planRun(seed)).toEqual(planRun(seed));
  });

  it('tags never go on an arbiter, and the mode can be met by the tagged members (two distinct dc values)', () => {
    for (const p of plans.filter((x) => x.writeConcernModes !== undefined)) {
      expect(p.memberConfigs.filter((m) => m.arbiterOnly === true && m.tags !== undefined)).toEqual([]);
      const dcs = new Set(p.memberConfigs.map((m) => (m.tags as { dc?: string } | undefined)?.dc).filter((d) => d !== undefined));
      expect(dcs.size).toBeGreaterThanOrEqual(2);
    }
  });

  it('--nemesis kill-majority alone still draws it', () => {
    const p = planRun(5, { families: ['kill-majority'] });
    expect(p.families).toEqual(['kill-majority']);
    expect(p.nemeses.map((e) => e.action.kind)).toEqual(['kill-majority', 'start-all']);
  });
});
