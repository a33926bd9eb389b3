/**
 * The replay pages' fragments: `#replay=<id>` plays a shared replay; `#branch=<id>&at=<millis>`
 * opens the lab and branches a sandbox of one's own from that replay at that moment.
 */

const idPattern = '(r-[a-z0-9]{12,32})';

export function parseReplayRoute(hash: string): string | null {
  return new RegExp(`^#replay=${idPattern}$`).exec(hash)?.[1] ?? null;
}

export function parseReplayBranchRoute(hash: string): { replayId: string; at: number } | null {
  const match = new RegExp(`^#branch=${idPattern}&at=(\\d{1,16})$`).exec(hash);
  if (!match) return null;
  return { replayId: match[1]!, at: Number(match[2]) };
}

export function replayBranchHash(replayId: string, at: number): string {
  return `#branch=${replayId}&at=${Math.round(at)}`;
}

/** The link a saved replay is shared by: this page's origin and the replay's path. */
export function replayLink(origin: string, path: string): string {
  return `${origin}${path}`;
}
