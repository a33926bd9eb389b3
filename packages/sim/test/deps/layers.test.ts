import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import type { ICruiseOptions, ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, describe, expect, it } from 'vitest';

// The import rules of packages/sim (.dependency-cruiser.cjs, run by `pnpm --filter @rslab/sim deps`):
// the real tree passes them, and a copy of it with deliberately wrong imports is refused with the
// name of the rule each one breaks.

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG_FILE = path.join(PACKAGE_DIR, '.dependency-cruiser.cjs');

async function optionsFor(baseDir: string): Promise<ICruiseOptions> {
  const options = await extractDepcruiseOptions(CONFIG_FILE);
  // The copy has no tsconfig of its own; plain relative imports need none to resolve.
  const { tsConfig: _tsConfig, ...rest } = options;
  return { ...rest, baseDir, validate: true };
}

function violationsOf(result: ICruiseResult): { rule: string; from: string; to: string }[] {
  return result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

async function cruiseTree(baseDir: string): Promise<ICruiseResult> {
  const output = await cruise(['src'], await optionsFor(baseDir));
  if (typeof output.output === 'string') throw new Error(`expected a cruise result, got ${output.output.slice(0, 200)}`);
  return output.output;
}

/** A copy of src/ with `text` appended to some of its files; removed after the test. */
function copyWith(edits: Readonly<Record<string, string>>): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'rslab-sim-deps-'));
  copies.push(copy);
  fs.cpSync(path.join(PACKAGE_DIR, 'src'), path.join(copy, 'src'), { recursive: true });
  for (const [file, text] of Object.entries(edits)) fs.appendFileSync(path.join(copy, 'src', file), `\n${text}\n`);
  return copy;
}

const copies: string[] = [];

describe('packages/sim import rules (dependency-cruiser)', () => {
  afterAll(() => {
    for (const copy of copies) fs.rmSync(copy, { recursive: true, force: true });
  });

  it('the shipped tree breaks none of them', async () => {
    const result = await cruiseTree(PACKAGE_DIR);
    expect(violationsOf(result)).toEqual([]);
    expect(result.summary.totalCruised).toBeGreaterThan(50);
  });

  it.each([
    { rule: 'storage-below-repl', from: 'storage/oplog.ts', to: 'repl/config.ts', text: "import type { ReplSetConfig } from '../repl/config';\nexport type Wrong = ReplSetConfig;" },
    { rule: 'repl-below-commands', from: 'repl/events.ts', to: 'commands/handler.ts', text: "import type { CommandRequest } from '../commands/handler';\nexport type Wrong = CommandRequest;" },
    { rule: 'wire-knows-no-member', from: 'wire/constants.ts', to: 'repl/coordinator.ts', text: "import type { ReplCoordinator } from '../repl/coordinator';\nexport type Wrong = ReplCoordinator;" },
    { rule: 'commands-below-wire', from: 'commands/serverNode.ts', to: 'member/member.ts', text: "import type { Member } from '../member/member';\nexport type Wrong = Member;" },
    { rule: 'repl-topology-does-no-io', from: 'repl/topology/core.ts', to: 'clock/clock.ts', text: "import type { Clock } from '../../clock/clock';\nexport type Wrong = Clock;" },
    { rule: 'repl-topology-does-no-io', from: 'repl/topology/election.ts', to: 'repl/voteRequester.ts', text: "import { requestVotes } from '../voteRequester';\nexport const wrong = requestVotes;" },
    { rule: 'repl-topology-does-no-io', from: 'repl/topology/syncing.ts', to: 'storage/storage.ts', text: "import type { Storage } from '../../storage/storage';\nexport type Wrong = Storage;" },
    { rule: 'repl-coordinator-on-top', from: 'repl/heartbeats.ts', to: 'repl/coordinator.ts', text: "import type { ReplCoordinator } from './coordinator';\nexport type Wrong = ReplCoordinator;" },
    { rule: 'repl-core-is-private', from: 'commands/replset.ts', to: 'repl/topology/topology.ts', text: "import type { Topology } from '../repl/topology/topology';\nexport type Wrong = Topology;" },
    { rule: 'base-is-a-leaf', from: 'base/optime.ts', to: 'clock/clock.ts', text: "import type { Clock } from '../clock/clock';\nexport type Wrong = Clock;" },
  ])('refuses $from importing $to with $rule', async ({ rule, from, to, text }) => {
    const found = violationsOf(await cruiseTree(copyWith({ [from]: text })));
    expect(found).toContainEqual({ rule, from: `src/${from}`, to: `src/${to}` });
  });

  it('refuses an import cycle with no-circular, even inside one layer', async () => {
    const copy = copyWith({
      'base/optime.ts': "import type { ServerError } from './errors';\nexport type Wrong = ServerError;",
      'base/errors.ts': "import type { OpTime } from './optime';\nexport type Wrong = OpTime;",
    });
    const found = violationsOf(await cruiseTree(copy));
    // One violation per cycle, named by the module the cruise reached it from.
    expect(found).toHaveLength(1);
    expect(found[0]!.rule).toBe('no-circular');
    expect([found[0]!.from, found[0]!.to].sort()).toEqual(['src/base/errors.ts', 'src/base/optime.ts']);
  });
});
