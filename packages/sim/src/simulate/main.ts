import { SIMULATION_STORAGE, replayCommand, simulateMany } from './run';

function parseArgs(argv: readonly string[]): { seed: number; runs: number; verbose: boolean } {
  let seed = 1;
  let runs = 100;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): number => {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value)) throw new Error(`${arg} needs an integer`);
      return value;
    };
    if (arg === '--seed') seed = next();
    else if (arg === '--runs') runs = next();
    else if (arg === '--verbose' || arg === '-v') verbose = true;
    else if (arg === '--') continue;
    else throw new Error(`unknown argument ${arg} (use --seed N --runs K [--verbose])`);
  }
  return { seed, runs, verbose };
}

async function main(): Promise<void> {
  const { seed, runs, verbose } = parseArgs(process.argv.slice(2));
  const summary = await simulateMany(seed, runs, {}, (r) => {
    if (r.violations.length > 0) {
      console.log(`seed ${r.seed}: ${r.violations.length} violation(s)`);
      for (const v of r.violations) console.log(`  ${v}`);
      console.log(`  replay: ${replayCommand(r.seed)}`);
    } else if (verbose) {
      console.log(`seed ${r.seed}: ok steps=${r.steps} virtual=${(r.virtualMillis / 1000).toFixed(1)}s acked=${r.writesAcked} majority=${r.majorityAcked} elections=${r.elections} rollbacks=${r.rollbacks} failed-requests=${r.requestsFailed} digest=${r.digest}`);
    }
  });
  console.log(`simulate: storage=${SIMULATION_STORAGE} seed=${seed} runs=${summary.runs} violations=${summary.violations} failing-runs=${summary.failing.length} digest=${summary.digest}`);
  process.exitCode = summary.violations > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 2;
});
