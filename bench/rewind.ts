// Rewind (issue 19): how long jumping to a moment 10 minutes back takes in a busy sandbox, and
// what a sandbox's history costs in memory. Prints the figures and rewrites the `## Rewind`
// section of docs/BENCHMARKS.md. Run with `pnpm exec tsx --expose-gc bench/rewind.ts` for heap figures
// after a collection (without it the heap figures include garbage).
import { performance } from 'node:perf_hooks';
import { Random } from '../packages/sim/src/random/random';
import { RecordedCluster, replayTo } from '../packages/sim/src/recording/recording';
import { machineLine, percentile, writeBenchmarkSection } from './lib/benchmarksDoc';

/** Long enough to jump 10 minutes back; an exact replay there covers the minutes before the moment. */
const RECORDED_MINUTES = Number(process.env.REWIND_BENCH_MINUTES ?? 12);
const JUMP_BACK_MILLIS = 10 * 60_000;
const LOOKUPS = 2000;
const REPLAYS = Number(process.env.REWIND_BENCH_REPLAYS ?? 3);
/** Enough for the whole recording: the figure is what all of it costs. */
const SNAPSHOTS_BYTES_MAX = 4 * 2 ** 30;

function heapBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
  return process.memoryUsage().heapUsed;
}

/** A busy set: an insert every tick (10 a second, w:1, every 5th w:"majority"), a failover every 2 minutes. */
async function busyRecording(): Promise<{ rec: RecordedCluster; heapBefore: number; heapAfter: number; wallMillis: number }> {
  const heapBefore = heapBytes();
  const t0 = performance.now();
  const rec = new RecordedCluster({ seed: 42, members: 3, electionTimeoutMillis: 10_000 }, { snapshotsBytesMax: SNAPSHOTS_BYTES_MAX });
  rec.apply({ kind: 'initiate' });
  let n = 0;
  while (rec.nowMillis < RECORDED_MINUTES * 60_000) {
    n += 1;
    rec.apply({ kind: 'insert', id: `d${n}`, w: n % 5 === 0 ? 'majority' : 1 });
    if (rec.nowMillis % 120_000 === 60_000) {
      const primary = rec.cluster.primary();
      if (primary) rec.apply({ kind: 'kill', host: primary });
    }
    if (rec.nowMillis % 120_000 === 90_000) for (const host of rec.cluster.hosts) rec.apply({ kind: 'restart', host });
    await rec.advance(rec.limits.tickMillis);
  }
  const wallMillis = performance.now() - t0;
  return { rec, heapBefore, heapAfter: heapBytes(), wallMillis };
}

async function main(): Promise<void> {
  const { rec, heapBefore, heapAfter, wallMillis } = await busyRecording();
  const recording = rec.recording();
  const rnd = new Random(7);
  const target = () => rec.nowMillis - JUMP_BACK_MILLIS + rnd.int(-30, 30) * 1000;

  // The page's jump: the nearest snapshot at or before the moment (what the slider shows).
  const lookups: number[] = [];
  for (let i = 0; i < LOOKUPS; i += 1) {
    const at = target();
    const t0 = performance.now();
    const snap = rec.snapshotAt(at);
    lookups.push(performance.now() - t0);
    if (snap.atMillis > at) throw new Error('snapshot after the moment');
  }
  lookups.sort((a, b) => a - b);

  // The exact jump: replay from the seed and inputs to the moment (what proves determinism).
  const replays: number[] = [];
  for (let i = 0; i < REPLAYS; i += 1) {
    const at = Math.floor(target() / recording.tickMillis) * recording.tickMillis;
    const t0 = performance.now();
    const replay = await replayTo(recording, at);
    replays.push(performance.now() - t0);
    const original = rec.snapshots().find((s) => s.atMillis === Math.floor(at / 1000) * 1000);
    const replayed = replay.snapshots().find((s) => s.atMillis === original?.atMillis);
    if (original && replayed && original.digest !== replayed.digest) throw new Error(`replay diverged at ${original.atMillis} ms`);
    replay.stop();
  }
  replays.sort((a, b) => a - b);

  const snapshots = rec.snapshots().length;
  const heapMiB = (heapAfter - heapBefore) / 2 ** 20;
  const estimateMiB = rec.historyBytes / 2 ** 20;
  console.log(`recorded ${RECORDED_MINUTES} virtual min (${recording.inputs.length} inputs, ${snapshots} snapshots) in ${(wallMillis / 1000).toFixed(1)} s`);
  console.log(`nearest-snapshot jump 10 min back: p50 ${(percentile(lookups, 0.5) * 1000).toFixed(1)} µs, p99 ${(percentile(lookups, 0.99) * 1000).toFixed(1)} µs`);
  console.log(`replay from the seed to 10 min back: p50 ${percentile(replays, 0.5).toFixed(0)} ms, p99 ${percentile(replays, 0.99).toFixed(0)} ms (${REPLAYS} replays)`);
  console.log(`history: ${estimateMiB.toFixed(1)} MiB by snapshotsBytesMax's estimate, heap +${heapMiB.toFixed(1)} MiB for the whole recorded set`);
  writeBenchmarkSection('Rewind', [
    `Measured by \`bench/rewind.ts\`. ${machineLine()} A busy 3-member simulated set (packages/sim/src/recording/): ${RECORDED_MINUTES} virtual minutes, an insert every 100 ms tick (every 5th w:"majority"), the primary killed every 2 minutes and restarted 30 s later; a snapshot every virtual second.`,
    '',
    '| Figure | Value |',
    '| --- | --- |',
    `| Jump 10 min back to the nearest snapshot (what the slider shows), p50 / p99 of ${LOOKUPS} | ${(percentile(lookups, 0.5) * 1000).toFixed(1)} µs / ${(percentile(lookups, 0.99) * 1000).toFixed(1)} µs |`,
    `| Jump 10 min back exactly: replay from the seed and inputs, p50 / p99 of ${REPLAYS} | ${percentile(replays, 0.5).toFixed(0)} ms / ${percentile(replays, 0.99).toFixed(0)} ms |`,
    `| History of ${RECORDED_MINUTES} min (${snapshots} snapshots, ${recording.inputs.length} inputs), by snapshotsBytesMax's estimate | ${estimateMiB.toFixed(1)} MiB |`,
    `| Heap growth for the recorded set and its whole history${(globalThis as { gc?: unknown }).gc ? ' (after gc)' : ' (no --expose-gc: includes garbage)'} | ${heapMiB.toFixed(1)} MiB |`,
    `| Recording the ${RECORDED_MINUTES} min, wall s | ${(wallMillis / 1000).toFixed(1)} |`,
    '',
    'The estimate counts each snapshot\'s own document and oplog slots (the data itself is shared with the live members); the heap figure, which also holds the live set, is what the process really paid. A live server sandbox keeps the same kind of moments (sandbox/history.ts, `historyBytesMax`, 64 MiB by default).',
    '',
  ]);
  rec.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
