import type { MemberView } from './messages';

/**
 * Lesson commands and solutions may name a member by its role instead of a fixed port, since
 * which member is primary depends on the run: `{{port:primary}}`, `{{port:secondary}}`,
 * `{{pid:primary}}`, `{{pid:secondary}}`, `{{index:secondary}}` (its place in `rs.conf().members`)
 * and `{{host:primary}}`; or by its port: `{{pid:27018}}` is the PID of the mongod on 27018.
 * `killed` names a member whose process is down, and `{{command:killed}}` is the command line that
 * started it, quoted for the shell, so typing it starts that member again. The page shows and types
 * them filled in from the cluster it sees; the transcript runner fills them in from the sandbox. A
 * second `secondary` (or `killed`) in one line names another member than the first.
 */
const placeholder = /\{\{(port|pid|index|host|command):(primary|secondary|killed|\d{4,5})\}\}/g;

/** The placeholders' pattern, for a reader that words them (groups: what, role); make a `RegExp` of it. */
export const placeholderSource = placeholder.source;

export function hasPlaceholders(text: string): boolean {
  return new RegExp(placeholder.source).test(text);
}

type PlaceholderWhat = 'port' | 'pid' | 'index' | 'host' | 'command';

/** One word as a POSIX shell reads it back: bare when nothing in it is special, else single-quoted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

export type PlaceholderResult = { ok: true; text: string } | { ok: false; missing: string };

/**
 * Fill in the placeholders of `text` from `cluster`; `configOrder` lists the hosts in config order
 * (for `index`; the cluster's own order when absent). Fails, naming the role, when there is no such
 * member right now.
 */
/** What filling reads of a member: a whole MemberView will do. */
export type PlaceholderMember = Pick<MemberView, 'host' | 'pid' | 'process' | 'state' | 'argv'>;

export function fillPlaceholders(text: string, cluster: { readonly members: readonly PlaceholderMember[] } | null, configOrder?: readonly string[]): PlaceholderResult {
  const members = cluster?.members ?? [];
  const used = new Set<string>();
  let missing: string | null = null;
  const filled = text.replace(placeholder, (all, what: PlaceholderWhat, role: string) => {
    const byPort = /^\d+$/.test(role);
    const state = role === 'primary' ? 'PRIMARY' : 'SECONDARY';
    const member: PlaceholderMember | undefined = byPort
      ? members.find((m) => m.host.endsWith(`:${role}`) && m.process === 'running')
      : role === 'killed'
        ? members.find((m) => m.process !== 'running' && !used.has(m.host))
        : members.find((m) => m.state === state && m.process === 'running' && !(role === 'secondary' && used.has(m.host)));
    if (!member || (what === 'command' && !member.argv?.length)) {
      missing ??= byPort ? `a running mongod on port ${role}` : role === 'killed' ? 'a member that is down' : `a ${role}`;
      return all;
    }
    if (role === 'secondary' || role === 'killed') used.add(member.host);
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
      case 'command':
        return (member.argv ?? []).map(shellWord).join(' ');
    }
  });
  return missing !== null ? { ok: false, missing } : { ok: true, text: filled };
}
