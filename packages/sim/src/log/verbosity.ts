import type { Document } from 'bson';
import type { Severity } from './log';

/**
 * mongod's log components as a tree (logv2/log_component.h MONGO_EXPAND_LOGV2_COMPONENT: short
 * name, the `c` a line carries, parent), in the header's order, which getParameter follows.
 */
const COMPONENTS: readonly { short: string; logName: string; parent: string }[] = [
  { short: 'accessControl', logName: 'ACCESS', parent: '-' },
  { short: 'command', logName: 'COMMAND', parent: '-' },
  { short: 'control', logName: 'CONTROL', parent: '-' },
  { short: 'executor', logName: 'EXECUTOR', parent: '-' },
  { short: 'geo', logName: 'GEO', parent: '-' },
  { short: 'index', logName: 'INDEX', parent: '-' },
  { short: 'network', logName: 'NETWORK', parent: '-' },
  { short: 'processHealth', logName: 'HEALTH', parent: '-' },
  { short: 'query', logName: 'QUERY', parent: '-' },
  { short: 'replication', logName: 'REPL', parent: '-' },
  { short: 'election', logName: 'ELECTION', parent: 'REPL' },
  { short: 'heartbeats', logName: 'REPL_HB', parent: 'REPL' },
  { short: 'initialSync', logName: 'INITSYNC', parent: 'REPL' },
  { short: 'rollback', logName: 'ROLLBACK', parent: 'REPL' },
  { short: 'sharding', logName: 'SHARDING', parent: '-' },
  { short: 'rangeDeleter', logName: 'RDELETER', parent: 'SHARDING' },
  { short: 'shardingCatalogRefresh', logName: 'SH_REFR', parent: 'SHARDING' },
  { short: 'migration', logName: 'MIGRATE', parent: 'SHARDING' },
  { short: 'reshard', logName: 'RESHARD', parent: 'SHARDING' },
  { short: 'migrationPerf', logName: 'MIG_PERF', parent: 'SHARDING' },
  { short: 'storage', logName: 'STORAGE', parent: '-' },
  { short: 'recovery', logName: 'RECOVERY', parent: 'STORAGE' },
  { short: 'journal', logName: 'JOURNAL', parent: 'STORAGE' },
  { short: 'write', logName: 'WRITE', parent: '-' },
  { short: 'ftdc', logName: 'FTDC', parent: '-' },
  { short: 'asio', logName: 'ASIO', parent: 'NETWORK' },
  { short: 'bridge', logName: 'BRIDGE', parent: 'NETWORK' },
  { short: 'tracking', logName: 'TRACKING', parent: '-' },
  { short: 'transaction', logName: 'TXN', parent: '-' },
  { short: 'tenantMigration', logName: 'TENANT_M', parent: '-' },
  { short: 'connectionPool', logName: 'CONNPOOL', parent: 'NETWORK' },
  { short: 'test', logName: 'TEST', parent: '-' },
];

/** The default component's `c`. */
const DEFAULT = '-';
/** mongod's verbosity levels: 0 (info) to 5 (D5); -1 on a component means "as its parent". */
export const LOG_VERBOSITY_MAX = 5;

const byLogName = new Map(COMPONENTS.map((c) => [c.logName, c]));

function debugLevel(s: Severity): number {
  return s.startsWith('D') ? Number(s.slice(1)) : 0;
}

/**
 * The per-component log verbosity of one mongod (logv2 LogComponentSettings): the default
 * component's level, and a level or "inherit" (-1) for each other component. A debug line (D1..D5)
 * is written only when its level is at most its component's effective verbosity; other lines
 * always are.
 */
export class LogVerbosity {
  private readonly levels = new Map<string, number>();

  constructor(defaultLevel = 0) {
    this.levels.set(DEFAULT, clampLevel(defaultLevel));
  }

  /** The level in force for lines of component `c` (its own, else its nearest ancestor's, else the default's). */
  effective(c: string): number {
    let name: string | undefined = c;
    while (name !== undefined && name !== DEFAULT) {
      const own = this.levels.get(name);
      if (own !== undefined && own >= 0) return own;
      name = byLogName.get(name)?.parent;
    }
    return this.levels.get(DEFAULT)!;
  }

  /** Whether a line of severity `s` and component `c` is written. */
  writes(s: Severity, c: string): boolean {
    return debugLevel(s) <= this.effective(c);
  }

  get defaultLevel(): number {
    return this.levels.get(DEFAULT)!;
  }

  /** `setParameter: {logLevel: n}`: the default component's level. */
  setDefault(level: number): void {
    this.levels.set(DEFAULT, clampLevel(level));
  }

  /**
   * `setParameter: {logComponentVerbosity: {...}}` (logv2 parameters: setLogComponentVerbosity):
   * `verbosity` sets a level (negative clears a component's own, back to inheriting; on the default
   * component it is refused), component names nest; an unknown name is refused. Checked whole
   * before anything changes.
   */
  apply(doc: Document): void {
    const changes: [string, number][] = [];
    const walk = (node: Document, component: string, path: string): void => {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'verbosity') {
          if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`Invalid verbosity for ${path || 'default'}: ${String(value)}`);
          changes.push([component, value]);
          continue;
        }
        const child = COMPONENTS.find((c) => c.short === key && c.parent === component);
        if (child === undefined) throw new RangeError(`Invalid component name ${path === '' ? key : `${path}.${key}`}`);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new TypeError(`Invalid value for ${path === '' ? key : `${path}.${key}`}: must be an object`);
        }
        walk(value as Document, child.logName, path === '' ? key : `${path}.${key}`);
      }
    };
    walk(doc, DEFAULT, '');
    for (const [component, level] of changes) {
      if (component === DEFAULT) this.levels.set(DEFAULT, clampLevel(Math.max(0, level)));
      else if (level < 0) this.levels.delete(component);
      else this.levels.set(component, clampLevel(level));
    }
  }

  /** getParameter's `logComponentVerbosity`: the tree with each component's own level (-1: inherits). */
  toDocument(): Document {
    const node = (parent: string): Document => {
      const out: Document = {};
      for (const c of COMPONENTS) {
        if (c.parent !== parent) continue;
        out[c.short] = { verbosity: this.levels.get(c.logName) ?? -1, ...node(c.logName) };
      }
      return out;
    };
    return { verbosity: this.defaultLevel, ...node(DEFAULT) };
  }
}

function clampLevel(level: number): number {
  return Math.min(LOG_VERBOSITY_MAX, Math.max(0, Math.trunc(level)));
}
