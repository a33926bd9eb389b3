import type { ClusterSnapshot, MemberView } from './messages';

/**
 * Lesson commands and solutions may name a member by its role instead of a fixed port, since
 * which member is primary depends on the run: `{{port:primary}}`, `{{port:secondary}}`,
 * `{{pid:primary}}`, `{{pid:secondary}}`, `{{index:secondary}}` (its place in `rs.conf().members`)
 * and `{{host:primary}}`; or by its port: `{{pid:27018}}` is the PID of the mongod on 27018. The page shows and types them filled in from the cluster it sees; the
 * transcript runner fills them in from the sandbox. A second `secondary` in one line names another
 * secondary than the first.
 */
const placeholder = /\{\{(port|pid|index|host):(primary|secondary|\d{4,5})\}\}/g;

/** The placeholders' pattern, for a reader that words them (groups: what, role); make a `RegExp` of it. */
export const placeholderSource = placeholder.source;

export function hasPlaceholders(text: string): boolean {
  return new RegExp(placeholder.source).test(text);
}

export type PlaceholderResult = { ok: true; text: string } | { ok: false; missing: string };

/**
 * Fill in the placeholders of `text` from `cluster`; `configOrder` lists the hosts in config order
 * (for `index`; the cluster's own order when absent). Fails, naming the role, when there is no such
 * member right now.
 */
export function fillPlaceholders(text: string, cluster: Pick<ClusterSnapshot, 'members'> | null, configOrder?: readonly string[]): PlaceholderResult {
  const members = cluster?.members ?? [];
  const used = new Set<string>();
  let missing: string | null = null;
  const filled = text.replace(placeholder, (_all, what: 'port' | 'pid' | 'index' | 'host', role: string) => {
    const byPort = /^\d+$/.test(role);
    const state = role === 'primary' ? 'PRIMARY' : 'SECONDARY';
    const member: MemberView | undefined = byPort
      ? members.find((m) => m.host.endsWith(`:${role}`) && m.process === 'running')
      : members.find((m) => m.state === state && m.process === 'running' && !(role === 'secondary' && used.has(m.host)));
    if (!member) {
      missing ??= byPort ? `a running mongod on port ${role}` : `a ${role}`;
      return `{{${what}:${role}}}`;
    }
    if (role === 'secondary') used.add(member.host);
    switch (what) {
      case 'port':
        return member.host.slice(member.host.lastIndexOf(':') + 1);
      case 'host':
        return member.host;
      case 'pid':
        return member.pid === null ? '?' : String(member.pid);
      case 'index': {
        const order = configOrder ?? members.map((m) => m.host);
        return String(order.indexOf(member.host));
      }
    }
  });
  return missing !== null ? { ok: false, missing } : { ok: true, text: filled };
}
