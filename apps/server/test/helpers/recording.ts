import type { ClusterSnapshot } from '@rslab/protocol';
import type { Lab } from '../../src/sandbox/lab';

/** Take moments as the live feed would, until `predicate` holds. */
export async function recordUntil(lab: Lab, predicate: (snapshot: ClusterSnapshot) => boolean, wallMillisMax = 20_000): Promise<ClusterSnapshot> {
  const deadline = Date.now() + wallMillisMax;
  for (;;) {
    // The moment kept is taken fresh, a little after `snapshot` (Lab.captureMoment): what the history holds is its cluster.
    const taken = await lab.engine.snapshot();
    const snapshot = (await lab.captureMoment(taken))?.cluster ?? taken;
    if (predicate(snapshot)) return snapshot;
    if (Date.now() > deadline) throw new Error(`not reached; last ${JSON.stringify(snapshot.members.map((m) => [m.host, m.state]))}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const primaryOf = (snapshot: ClusterSnapshot): string | undefined => snapshot.members.find((m) => m.state === 'PRIMARY')?.host;
