import { readFileSync, readdirSync } from 'node:fs';

/**
 * Open files a sandbox holds once its learner has done the walkthrough (bench/sandboxes.ts
 * measured 20.0): each driver connection is two sockets in this process (the driver's end and the
 * SOCKS bridge's), and the walkthrough's two clients keep ten connections open, as the drivers'
 * monitoring spec has them: a monitor and an RTT pinger per member a client watches, plus a pool
 * connection per member it used (three for the direct Connection, seven for the seed list's).
 */
export const openFilesPerSandboxEstimate = 20;

/** The soft limit on this process's open files (`ulimit -n`), or null where the platform does not say (not Linux). */
export function openFilesLimit(limitsText: string | null = readOrNull('/proc/self/limits')): number | null {
  if (limitsText === null) return null;
  const line = limitsText.split('\n').find((row) => row.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === undefined) return null;
  if (soft === 'unlimited') return Number.POSITIVE_INFINITY;
  const limit = Number(soft);
  return Number.isInteger(limit) && limit > 0 ? limit : null;
}

/** Files this process has open now, or null where the platform does not list them. */
export function openFilesNow(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

/**
 * Why this server may run out of file descriptors before it reaches `sandboxesMax`, or null if
 * it will not (or the platform does not say): past the limit every new driver connection fails
 * with EMFILE, the learners' and the lesson checks' alike.
 */
export function openFilesShortfall(sandboxesMax: number, limit: number | null = openFilesLimit()): string | null {
  if (limit === null) return null;
  const needed = sandboxesMax * openFilesPerSandboxEstimate;
  if (needed <= limit) return null;
  return `up to ${sandboxesMax} sandboxes (sandboxesMax) may hold about ${needed} open files (${openFilesPerSandboxEstimate} each: the drivers' sockets), but this process may open ${limit} (ulimit -n; LimitNOFILE under systemd): raise it, or about ${Math.floor(limit / openFilesPerSandboxEstimate)} sandboxes fit`;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
