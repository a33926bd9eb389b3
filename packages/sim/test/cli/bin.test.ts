import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BIN, freePort, killAll, startSimMongod, waitForOutput } from './spawn';

/**
 * bin/sim-mongod runs the bundle scripts/build.mjs makes, building it first when it is missing or
 * older than its sources; the bundle loads mingo (a second file) on the first query only.
 */

const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const bundle = path.join(workspace, 'packages/sim/dist/sim-mongod.cjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-mongod-bin-'));
const children: ChildProcess[] = [];
afterEach(() => killAll(children));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A workspace of its own, so that building in it cannot disturb the tests that spawn the real bin
 * meanwhile: copies of what the build reads, links to the installed packages.
 */
function scratchWorkspace(): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'workspace-'));
  for (const file of ['package.json', 'pnpm-lock.yaml', 'scripts/build.mjs', 'packages/sim/package.json']) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(workspace, file), path.join(dir, file));
  }
  for (const folder of ['packages/sim/src', 'packages/sim/bin']) fs.cpSync(path.join(workspace, folder), path.join(dir, folder), { recursive: true });
  fs.symlinkSync(path.join(workspace, 'node_modules'), path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(workspace, 'packages/sim/node_modules'), path.join(dir, 'packages/sim/node_modules'));
  return dir;
}

function runVersion(dir: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(path.join(dir, 'packages/sim/bin/sim-mongod'), ['--version'], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bin/sim-mongod', () => {
  it('builds the bundle when there is none, runs it, and rebuilds only when a source is newer', { timeout: 120_000 }, () => {
    const dir = scratchWorkspace();
    const built = path.join(dir, 'packages/sim/dist/sim-mongod.cjs');
    expect(fs.existsSync(built)).toBe(false);

    const first = runVersion(dir);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^db version v7\.0\.14$/m);
    const stamp = JSON.parse(fs.readFileSync(`${built}.inputs.json`, 'utf8')) as { startedMillis: number; inputs: string[]; outputs: string[] };
    expect(stamp.inputs).toContain('packages/sim/src/cli/main.ts');
    expect(stamp.inputs).toContain('packages/sim/src/storage/mingoEngine.ts');
    expect(stamp.outputs).toEqual(expect.arrayContaining(['packages/sim/dist/sim-mongod.cjs', 'packages/sim/dist/sim-mongod.mingo.cjs']));
    const builtMillis = fs.statSync(built).mtimeMs;

    // Up to date: run as it is.
    expect(runVersion(dir).status).toBe(0);
    expect(fs.statSync(built).mtimeMs).toBe(builtMillis);

    // A source edited after the build: built again before it runs, and the edit is in the bundle.
    const version = path.join(dir, 'packages/sim/src/cli/version.ts');
    fs.writeFileSync(version, fs.readFileSync(version, 'utf8').replace("'rslab-sim-mongod'", "'rslab-sim-mongod-edited'"));
    const future = new Date(Date.now() + 2_000);
    fs.utimesSync(version, future, future);
    const edited = runVersion(dir);
    expect(edited.status).toBe(0);
    expect(edited.stdout).toContain('"gitVersion": "rslab-sim-mongod-edited"');
    expect(fs.statSync(built).mtimeMs).toBeGreaterThan(builtMillis);

    // The lazily loaded file gone: built again too.
    fs.rmSync(path.join(dir, 'packages/sim/dist/sim-mongod.mingo.cjs'));
    expect(runVersion(dir).status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'packages/sim/dist/sim-mongod.mingo.cjs'))).toBe(true);
  });

  it('loads the bundle without mingo: the query engine is a second file, required on first use', () => {
    // Spawning the bin first makes sure the workspace bundle is built and current.
    expect(spawnSync(BIN, ['--version'], { encoding: 'utf8' }).status).toBe(0);
    const script = `require(${JSON.stringify(bundle)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([bundle]);
  });
});

interface Score {
  _id: number;
  name: string;
  team: string;
  score: number;
  tags: string[];
  ratio?: number;
  ref?: ObjectId;
  label?: string;
}

describe('the built sim-mongod, through its lazily loaded query engine', () => {
  it('answers queries, projections, updates and aggregations of every operator family', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const dbpath = fs.mkdtempSync(path.join(tmp, 'db-'));
    const run = startSimMongod(['--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', dbpath, '--quiet'], children);
    await waitForOutput(run, 'waiting for connections');
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, { serverSelectionTimeoutMS: 10_000 });
    try {
      const scores = client.db('t').collection<Score>('scores');
      await scores.insertMany([
        { _id: 1, name: 'ann', team: 'red', score: 10, tags: ['a', 'b'] },
        { _id: 2, name: 'bob', team: 'red', score: 30, tags: ['b'] },
        { _id: 3, name: 'cy', team: 'blue', score: 20, tags: [] },
        { _id: 4, name: 'dee', team: 'blue', score: 40, tags: ['c'], ratio: 0.5, ref: new ObjectId() },
      ]);
      const ids = async (filter: object): Promise<number[]> => (await scores.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);

      // Query operators (manual: reference/operator/query).
      expect(await ids({ name: { $regex: '^b' } })).toEqual([2]);
      expect(await ids({ tags: { $elemMatch: { $eq: 'a' } } })).toEqual([1]);
      expect(await ids({ tags: { $size: 0 } })).toEqual([3]);
      expect(await ids({ $or: [{ score: { $lt: 15 } }, { score: { $gte: 40 } }] })).toEqual([1, 4]);
      expect(await ids({ $expr: { $gt: ['$score', 15] } })).toEqual([2, 3, 4]);
      // Our $type, which knows BSON's types: an ObjectId, an int from a double (manual: query/type).
      expect(await ids({ ref: { $type: 'objectId' } })).toEqual([4]);
      expect(await ids({ score: { $type: 'int' } })).toEqual([1, 2, 3, 4]);
      expect(await ids({ $or: [{ score: { $type: 'double' } }, { ratio: { $type: 'double' } }] })).toEqual([4]);

      // Projection operators (manual: projection/slice).
      expect(await scores.findOne({ _id: 1 }, { projection: { tags: { $slice: 1 }, _id: 0, name: 1 } })).toEqual({ name: 'ann', tags: ['a'] });

      // Update operators and a pipeline update (manual: reference/operator/update, updates-with-aggregation-pipeline).
      await scores.updateOne({ _id: 2 }, { $inc: { score: 5 }, $push: { tags: { $each: ['x', 'y'] } } });
      await scores.updateOne({ _id: 3 }, { $addToSet: { tags: 'z' } });
      await scores.updateMany({}, [{ $set: { label: { $concat: ['$name', '-', '$team'] } } }]);
      expect(await scores.findOne({ _id: 2 })).toMatchObject({ score: 35, tags: ['b', 'x', 'y'], label: 'bob-red' });
      expect(await scores.findOne({ _id: 3 })).toMatchObject({ tags: ['z'], label: 'cy-blue' });

      // Aggregation: $group with accumulators, $sort, $setWindowFields with $rank, an arithmetic
      // and a trigonometry expression (manual: aggregation/group, setWindowFields, rank, sin, round).
      expect(await scores.aggregate([{ $group: { _id: '$team', total: { $sum: '$score' }, best: { $max: '$score' } } }, { $sort: { _id: 1 } }]).toArray()).toEqual([
        { _id: 'blue', total: 60, best: 40 },
        { _id: 'red', total: 45, best: 35 },
      ]);
      const ranked = await scores
        .aggregate([{ $setWindowFields: { partitionBy: '$team', sortBy: { score: -1 }, output: { rank: { $rank: {} } } } }, { $project: { _id: 1, rank: 1 } }, { $sort: { _id: 1 } }])
        .toArray();
      expect(ranked).toEqual([
        { _id: 1, rank: 2 },
        { _id: 2, rank: 1 },
        { _id: 3, rank: 2 },
        { _id: 4, rank: 1 },
      ]);
      expect(await scores.aggregate([{ $match: { _id: 1 } }, { $project: { _id: 0, sin: { $round: [{ $sin: '$score' }, 4] }, half: { $divide: ['$score', 4] } } }]).toArray()).toEqual([
        { sin: -0.544, half: 2.5 },
      ]);
    } finally {
      await client.close();
    }
  });
});
