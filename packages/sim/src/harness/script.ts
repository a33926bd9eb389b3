import { EJSON } from 'bson';
import type { Document } from 'bson';
import { Cluster } from './cluster';
import type { ClusterOptions } from './cluster';

/**
 * Scenario scripts in the style of etcd raft's testdata: one command a line, `#` comments.
 *
 *   create 3 seed=7 electionTimeoutMillis=1000   members, seed, config settings
 *   initiate
 *   wait primary within 30s                       advance until a writable primary exists
 *   kill primary | restart n1 | start n1          n0, n1... are members by index; `primary` the current one
 *   partition n0 | n1 n2                          groups separated by `|`
 *   cut n0 n1 [oneway] | heal n0 n1 | heal        links
 *   delay n0 n1 200ms
 *   advance 12s                                   virtual time (ms, s)
 *   insert {"_id": 1} w=majority wtimeout=5000 [on n1]
 *   stepdown primary 60 | freeze n1 30
 *   mark                                          remember the clock (for `expect elapsed`)
 *   expect primary n0 | expect primary term 2 | expect no primary
 *   expect state n1 SECONDARY
 *   expect elapsed between 8s and 12.5s          virtual time since `mark`
 *   expect doc n2 {"_id": 1} | expect no doc n2 {"_id": 1}
 *   expect reply ok 1 | expect reply code 10107  the last command's reply
 *   expect rollback n0                            a rollback file exists on n0
 *
 * A script must expect something: one without any `expect` line fails.
 */
export class ScriptError extends Error {
  override readonly name = 'ScriptError';
  constructor(
    readonly line: number,
    readonly source: string,
    message: string,
  ) {
    super(`line ${line} \`${source}\`: ${message}`);
  }
}

export interface ScriptResult {
  cluster: Cluster;
  /** What each line did, for a readable failure report. */
  transcript: string[];
}

const SCRIPT_LINES_MAX = 10_000;

function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!m) throw new Error(`bad duration "${text}" (use 500ms or 12s)`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

function parseOptions(words: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new Error(`expected key=value, got "${w}"`);
    out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return out;
}

/** Run a scenario script against a fresh in-process cluster; throws ScriptError at the first failing line. */
export async function runScript(text: string, base: ClusterOptions = {}): Promise<ScriptResult> {
  const lines = text.split('\n');
  if (lines.length > SCRIPT_LINES_MAX) throw new RangeError(`script longer than ${SCRIPT_LINES_MAX} lines`);
  let cluster: Cluster | undefined;
  let mark = 0;
  let lastReply: Document | undefined;
  let expectations = 0;
  const transcript: string[] = [];

  const need = (): Cluster => {
    if (!cluster) throw new Error('no cluster yet: start with `create N`');
    return cluster;
  };
  const host = (name: string): string => {
    const c = need();
    if (name === 'primary') {
      const p = c.primary();
      if (!p) throw new Error('there is no primary');
      return p;
    }
    const m = /^n(\d+)$/.exec(name);
    const h = m ? c.hosts[Number(m[1])] : c.hosts.includes(name) ? name : undefined;
    if (!h) throw new Error(`no member "${name}" (use n0..n${c.hosts.length - 1}, a host:port or primary)`);
    return h;
  };
  const nameOf = (h: string | undefined): string => (h === undefined ? 'none' : `n${need().hosts.indexOf(h)}`);

  for (let i = 0; i < lines.length; i++) {
    const source = lines[i]!.replace(/#.*$/, '').trim();
    if (source === '') continue;
    const jsonStart = source.indexOf('{');
    const head = jsonStart >= 0 ? source.slice(0, jsonStart) : source;
    let json: Document | undefined;
    let tail: string[] = [];
    if (jsonStart >= 0) {
      const jsonEnd = source.lastIndexOf('}');
      json = EJSON.parse(source.slice(jsonStart, jsonEnd + 1), { relaxed: true }) as Document;
      tail = source.slice(jsonEnd + 1).trim().split(/\s+/).filter(Boolean);
    }
    const words = head.trim().split(/\s+/).filter(Boolean);
    try {
      const [cmd, ...args] = words;
      switch (cmd) {
        case 'create': {
          const [count, ...rest] = args;
          const opts = parseOptions(rest);
          const settings: Document = {};
          for (const [k, v] of Object.entries(opts)) if (k !== 'seed') settings[k] = Number(v);
          cluster = new Cluster({ ...base, members: Number(count), seed: Number(opts.seed ?? 1), settings: { ...base.settings, ...settings } });
          break;
        }
        case 'initiate':
          lastReply = await need().initiate();
          break;
        case 'wait': {
          if (args[0] !== 'primary') throw new Error('only `wait primary [within 30s]`');
          const limit = args[1] === 'within' ? parseDuration(args[2] ?? '') : 60_000;
          const ok = await need().waitFor(() => need().primary() !== undefined, limit);
          if (!ok) throw new Error(`no primary within ${limit} ms`);
          transcript.push(`${source} -> ${nameOf(need().primary())}`);
          continue;
        }
        case 'kill':
          need().kill(host(args[0] ?? ''));
          break;
        case 'restart':
          need().restart(host(args[0] ?? ''));
          break;
        case 'start':
          need().start(host(args[0] ?? ''));
          break;
        case 'partition': {
          const groups: string[][] = [[]];
          for (const a of args) {
            if (a === '|') groups.push([]);
            else groups[groups.length - 1]!.push(host(a));
          }
          need().partition(...groups);
          break;
        }
        case 'cut':
          need().cut(host(args[0] ?? ''), host(args[1] ?? ''), args[2] === 'oneway');
          break;
        case 'heal':
          if (args.length === 0) need().healAll();
          else need().heal(host(args[0] ?? ''), host(args[1] ?? ''), args[2] === 'oneway');
          break;
        case 'delay':
          need().setDelay(host(args[0] ?? ''), host(args[1] ?? ''), parseDuration(args[2] ?? ''));
          break;
        case 'advance':
          await need().advance(parseDuration(args[0] ?? ''));
          break;
        case 'mark':
          mark = need().clock.now();
          break;
        case 'insert': {
          if (!json) throw new Error('insert needs a JSON document');
          const opts = parseOptions(tail.filter((w) => w !== 'on' && !/^n\d+$|^primary$/.test(w)));
          const onIndex = tail.indexOf('on');
          const target = onIndex >= 0 ? host(tail[onIndex + 1] ?? '') : host('primary');
          const writeConcern: Document = {};
          if (opts.w !== undefined) writeConcern.w = opts.w === 'majority' ? 'majority' : Number(opts.w);
          if (opts.wtimeout !== undefined) writeConcern.wtimeout = Number(opts.wtimeout);
          lastReply = await need().insert([json], { host: target, writeConcern });
          break;
        }
        case 'stepdown':
          lastReply = await need().command(host(args[0] ?? ''), { replSetStepDown: Number(args[1] ?? 60), ...(args.includes('force') ? { force: true } : {}) });
          break;
        case 'freeze':
          lastReply = await need().command(host(args[0] ?? ''), { replSetFreeze: Number(args[1] ?? 0) });
          break;
        case 'expect':
          expectations += 1;
          await expectLine(args, json);
          break;
        default:
          throw new Error(`unknown command "${cmd ?? ''}"`);
      }
      transcript.push(source);
    } catch (error) {
      if (error instanceof ScriptError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new ScriptError(i + 1, source, `${message}\n${transcript.map((t) => `  ok: ${t}`).join('\n')}`);
    }
  }
  if (expectations === 0) {
    // A script that checks nothing passes whatever the cluster did: refuse it.
    cluster?.stopAll();
    throw new ScriptError(lines.length, '(end of script)', 'a scenario script must expect something: add an `expect` line');
  }
  return { cluster: need(), transcript };

  async function expectLine(args: string[], json: Document | undefined): Promise<void> {
    const c = need();
    const [what, ...rest] = args;
    switch (what) {
      case 'primary': {
        const p = c.primary();
        if (rest[0] === 'term') {
          if (!p) throw new Error('expected a primary, found none');
          const term = c.running(p).repl.term;
          if (term !== Number(rest[1])) throw new Error(`primary ${nameOf(p)} is in term ${term}, expected ${rest[1]}`);
        } else if (host(rest[0] ?? '') !== p) {
          throw new Error(`primary is ${nameOf(p)}, expected ${rest[0]}`);
        }
        return;
      }
      case 'no':
        if (rest[0] === 'primary') {
          if (c.primary() !== undefined) throw new Error(`expected no primary, found ${nameOf(c.primary())}`);
          return;
        }
        if (rest[0] === 'doc') {
          if (await hasDoc(host(rest[1] ?? ''), json)) throw new Error(`${rest[1]} has ${EJSON.stringify(json ?? {})}`);
          return;
        }
        break;
      case 'state': {
        const state = c.state(host(rest[0] ?? ''));
        if (state !== rest[1]) throw new Error(`${rest[0]} is ${state}, expected ${rest[1]}`);
        return;
      }
      case 'elapsed': {
        const elapsed = c.clock.now() - mark;
        const lo = parseDuration(rest[1] ?? '');
        const hi = parseDuration(rest[3] ?? '');
        if (rest[0] !== 'between' || rest[2] !== 'and') throw new Error('use `expect elapsed between A and B`');
        if (elapsed < lo || elapsed > hi) throw new Error(`elapsed ${elapsed} ms, expected ${lo}..${hi} ms`);
        return;
      }
      case 'doc':
        if (!(await hasDoc(host(rest[0] ?? ''), json))) throw new Error(`${rest[0]} lacks ${EJSON.stringify(json ?? {})}`);
        return;
      case 'reply': {
        if (!lastReply) throw new Error('no reply yet');
        const [field, value] = rest;
        const actual = field === 'writeConcernError' ? lastReply.writeConcernError?.code : lastReply[field ?? ''];
        if (String(actual) !== value) throw new Error(`reply ${field} is ${String(actual)}, expected ${value} (reply: ${EJSON.stringify(lastReply)})`);
        return;
      }
      case 'rollback': {
        const files = c.persistedState(host(rest[0] ?? '')).rollbackFiles;
        if (files.length === 0) throw new Error(`${rest[0]} has no rollback file`);
        return;
      }
    }
    throw new Error(`unknown expectation "${args.join(' ')}"`);
  }

  async function hasDoc(h: string, doc: Document | undefined): Promise<boolean> {
    if (!doc) throw new Error('expected a JSON filter');
    const reply = await need().command(h, { find: 'test', filter: doc, $readPreference: { mode: 'secondaryPreferred' } }, { db: 'test' });
    if (reply.ok !== 1) throw new Error(`find on ${nameOf(h)} failed: ${String(reply.errmsg)}`);
    return (reply.cursor.firstBatch as Document[]).length > 0;
  }
}
