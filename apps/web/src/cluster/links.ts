import type { LinkView } from '@rslab/protocol';

export interface LinkStyle {
  stroke: string;
  dash: string | undefined;
  width: number;
  /** Words for the accessible summary. */
  label: string;
}

/**
 * Delays below this are an ordinary network (the sandbox's links take 1 ms, like a LAN): drawn as
 * plain up links. At or above it a link has been slowed on purpose and is drawn as slow.
 */
export const slowLinkMillisMin = 20;

/** Up: solid; slowed: dotted amber; cut (a partition or a cut link): dashed red; down (an end is not running): grey. */
export function linkStyle(link: Pick<LinkView, 'status' | 'delayMillis'>): LinkStyle {
  const slowed = link.delayMillis >= slowLinkMillisMin;
  const slow = slowed ? `, ${Math.round(link.delayMillis)} ms delay` : '';
  switch (link.status) {
    case 'up':
      return { stroke: slowed ? 'var(--link-slow)' : 'var(--link-up)', dash: slowed ? '2 4' : undefined, width: 2.5, label: `up${slow}` };
    case 'cut':
      return { stroke: 'var(--link-cut)', dash: '7 5', width: 2.5, label: 'cut' };
    case 'down':
      return { stroke: 'var(--link-down)', dash: undefined, width: 1.5, label: 'down' };
  }
}

/**
 * Links come per direction (a→b and b→a). Draw one line per pair, with the worse status of the
 * two: a one-way cut still breaks heartbeats both ways round.
 */
export function pairLinks(links: readonly LinkView[]): LinkView[] {
  const rank = { up: 0, down: 1, cut: 2 } as const;
  const byPair = new Map<string, LinkView>();
  for (const link of links) {
    if (link.from === link.to) continue;
    const [a, b] = link.from < link.to ? [link.from, link.to] : [link.to, link.from];
    const key = `${a}\u0000${b}`;
    const seen = byPair.get(key);
    const merged: LinkView = { from: a, to: b, status: link.status, delayMillis: link.delayMillis };
    if (!seen) byPair.set(key, merged);
    else
      byPair.set(key, {
        from: a,
        to: b,
        status: rank[link.status] > rank[seen.status] ? link.status : seen.status,
        delayMillis: Math.max(seen.delayMillis, link.delayMillis),
      });
  }
  return [...byPair.values()].sort((x, y) => (x.from === y.from ? x.to.localeCompare(y.to) : x.from.localeCompare(y.from)));
}

/**
 * The members `host` can no longer reach because a link to them is cut (either way round), so a
 * card can offer to reconnect exactly those. Down links (a member not running) do not count.
 */
export function cutPeers(host: string, links: readonly LinkView[]): string[] {
  const peers = new Set<string>();
  for (const link of links) {
    if (link.status !== 'cut') continue;
    if (link.from === host && link.to !== host) peers.add(link.to);
    else if (link.to === host && link.from !== host) peers.add(link.from);
  }
  return [...peers].sort();
}
