import { readFile } from 'node:fs/promises';
import { buildServer } from '../server';
import { settingsFromEnv, testSettings } from '../settings';
import { runTranscript, transcriptSandbox } from './run';

/**
 * `pnpm --filter @rslab/server transcript FILE [--speed N]`: run a transcript in a fresh sandbox
 * and print the terminal output as a person would see it.
 */
async function main(argv: string[]): Promise<number> {
  const speedIndex = argv.indexOf('--speed');
  const speed = speedIndex >= 0 ? Number(argv[speedIndex + 1]) : 1;
  const file = argv.find((arg, i) => !arg.startsWith('--') && argv[i - 1] !== '--speed');
  if (!file || !(speed >= 0.25 && speed <= 10)) {
    process.stderr.write('usage: transcript FILE [--speed 0.25..10]\n');
    return 2;
  }
  // RSLAB_ENGINE=mongod runs the transcript on real processes, which run in real time only.
  const { engine } = settingsFromEnv(process.env, { webRoot: '' });
  if (engine === 'mongod' && speed !== 1) {
    process.stderr.write('transcript: the mongod engine runs real processes in real time; drop --speed (or use RSLAB_ENGINE=sim)\n');
    return 2;
  }
  const source = await readFile(file, 'utf8');
  const app = await buildServer({ settings: testSettings({ engine }) });
  try {
    const sandbox = transcriptSandbox(app, 'cli');
    const result = await runTranscript(sandbox, source, { speed, onOutput: (text) => process.stdout.write(text) });
    for (const failure of result.failures) process.stderr.write(`FAILED ${failure}\n`);
    return result.failures.length === 0 ? 0 : 1;
  } finally {
    await app.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
