import type { MemberStateName, MemberView } from '@rslab/protocol';

/** How a member state looks: a CSS colour token and a short word for people. */
export interface StateStyle {
  /** CSS custom property (without `var()`), defined in styles.css. */
  colorVar: string;
  /** A one-line explanation shown as a tooltip and read by screen readers. */
  meaning: string;
}

const styles: Record<MemberStateName, StateStyle> = {
  PRIMARY: { colorVar: '--state-primary', meaning: 'accepts writes' },
  SECONDARY: { colorVar: '--state-secondary', meaning: 'replicates from a sync source' },
  STARTUP: { colorVar: '--state-starting', meaning: 'has no replica set config yet' },
  STARTUP2: { colorVar: '--state-starting', meaning: 'initial sync' },
  RECOVERING: { colorVar: '--state-warn', meaning: 'not ready to serve reads' },
  ROLLBACK: { colorVar: '--state-warn', meaning: 'undoing writes the set never committed' },
  ARBITER: { colorVar: '--state-muted', meaning: 'votes, holds no data' },
  DOWN: { colorVar: '--state-down', meaning: 'unreachable' },
  REMOVED: { colorVar: '--state-muted', meaning: 'no longer in the config' },
  UNKNOWN: { colorVar: '--state-muted', meaning: 'state not known' },
};

export function stateStyle(state: MemberStateName): StateStyle {
  return styles[state];
}

/**
 * The state to show for a member: a process that is not running is DOWN whatever its last
 * replica-set state was.
 */
export function displayState(member: Pick<MemberView, 'state' | 'process'>): MemberStateName {
  return member.process === 'running' ? member.state : 'DOWN';
}

/** The process column: `pid 4242 · running`, `killed`, `stopped`. */
export function processText(member: Pick<MemberView, 'pid' | 'process'>): string {
  if (member.pid === null) return member.process;
  return `pid ${member.pid} · ${member.process}`;
}

/** Port-only label when every member shares one hostname (the usual lab), else the full host. */
export function shortHost(host: string, allHosts: readonly string[]): string {
  const name = (h: string) => h.slice(0, Math.max(0, h.lastIndexOf(':')));
  const first = allHosts[0];
  const sameHost = first !== undefined && allHosts.every((h) => name(h) === name(first));
  if (!sameHost || host.lastIndexOf(':') < 0) return host;
  return `:${host.slice(host.lastIndexOf(':') + 1)}`;
}
