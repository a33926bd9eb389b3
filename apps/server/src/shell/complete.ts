/**
 * Tab completion for the three shells. Each function looks at the text before the cursor and
 * returns where the word being completed starts and the candidates that extend it. Completion
 * never runs a command or touches a backend: it walks names the interpreters already know.
 */
import type { PyInterpreter } from './python/interp';
import { PyClass, PyModule } from './python/objects';
import { PyClient, PyCollection, PyDatabase } from './python/pymongo';
import type { PyValue } from './python/values';
import { PyObject, isDict, isList, typeName } from './python/values';

export interface Completion {
  /** Offset in the line where the replaced word starts. */
  replaceFrom: number;
  /** Full replacement words, sorted, without duplicates. */
  candidates: string[];
}

/** Most candidates returned at once. */
export const completionCandidatesMax = 200;

function finish(replaceFrom: number, prefix: string, names: Iterable<string>, decorate: (n: string) => string = (n) => n): Completion {
  const candidates = [...new Set([...names].filter((n) => n.startsWith(prefix)))].sort().slice(0, completionCandidatesMax).map(decorate);
  return { replaceFrom, candidates };
}

export const bashCommands = [
  'cd', 'clear', 'echo', 'exit', 'false', 'help', 'hostname', 'kill', 'logs', 'mkdir', 'mongod', 'mongosh', 'ps', 'pwd', 'python',
  'python3', 'reset', 'tail', 'true', 'whoami',
];

export const mongodFlags = [
  '--bind_ip', '--bind_ip_all', '--dbpath', '--fork', '--help', '--logpath', '--oplogSize', '--port', '--replSet', '--rest', '--version',
];

/** `host` lists the running processes (the bash host's `ps`), for `kill` and `logs`. */
export function completeBash(line: string, cursor: number, host: { ps(): Array<{ pid: number }> }): Completion {
  const before = line.slice(0, cursor);
  const segment = before.split(/;|&&|\|\||&/).at(-1) ?? '';
  const segmentStart = before.length - segment.length;
  const m = /(\S*)$/.exec(segment);
  const word = m?.[1] ?? '';
  const wordStart = segmentStart + segment.length - word.length;
  const words = segment.slice(0, segment.length - word.length).trim().split(/\s+/).filter((w) => w !== '');
  const command = words[0];
  if (command === undefined) return finish(wordStart, word, bashCommands);
  if (command === 'mongod' && word.startsWith('-')) return finish(wordStart, word, mongodFlags);
  if (command === 'kill' || command === 'logs') {
    if (command === 'kill' && word.startsWith('-')) return finish(wordStart, word, ['-9', '-15', '-KILL', '-TERM', '-l', '-s']);
    return finish(wordStart, word, host.ps().map((p) => String(p.pid)));
  }
  if (command === 'mongosh' && word.startsWith('m')) return finish(wordStart, word, ['mongodb://']);
  return { replaceFrom: wordStart, candidates: [] };
}

const pythonKeywords = ['False', 'None', 'True', 'and', 'for', 'from', 'import', 'in', 'is', 'not', 'or', 'pass'];
const builtinTypeMethods: Record<string, string[]> = {
  dict: ['copy', 'get', 'items', 'keys', 'pop', 'update', 'values'],
  list: ['append', 'pop'],
  str: ['endswith', 'join', 'lower', 'split', 'startswith', 'strip', 'upper'],
};

/** The value a name's attribute chain leads to, without I/O (only databases, collections, modules). */
function pythonChild(obj: PyValue, name: string): PyValue | undefined {
  if (obj instanceof PyModule) return obj.attrs.get(name);
  if (obj instanceof PyClass) return obj.attrs.get(name);
  if (obj instanceof PyClient) {
    if (name === 'admin' || !obj.attributeNames().includes(name)) {
      try {
        return obj.database(name);
      } catch {
        // Not a valid database name (PyMongo refuses it): nothing to complete, nothing to report.
        return undefined;
      }
    }
    return undefined;
  }
  if (obj instanceof PyDatabase) {
    if (name === 'connection' && obj.client.api === 'connection-1.8') return obj.client;
    if (name === 'client' && obj.client.api === 'mongo-client') return obj.client;
    if (obj.attributeNames().includes(name)) return undefined;
    try {
      return obj.collection(name);
    } catch {
      // Not a valid collection name (PyMongo refuses it): nothing to complete, nothing to report.
      return undefined;
    }
  }
  if (obj instanceof PyCollection) {
    if (obj.attributeNames().includes(name)) return undefined;
    return obj.getItem(name);
  }
  return undefined;
}

export function completePython(line: string, cursor: number, interpreter: PyInterpreter): Completion {
  const before = line.slice(0, cursor);
  const m = /([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?\.?([A-Za-z_][A-Za-z0-9_]*)?$/.exec(before);
  const full = m?.[0] ?? '';
  if (full === '' && !before.endsWith('.')) return finish(cursor, '', [...pythonKeywords, ...interpreter.visibleNames()]);
  const dot = full.lastIndexOf('.');
  if (dot < 0) {
    const start = cursor - full.length;
    return finish(start, full, [...pythonKeywords, ...interpreter.visibleNames().filter((n) => !n.startsWith('__'))]);
  }
  const path = full.slice(0, dot).split('.');
  const partial = full.slice(dot + 1);
  const start = cursor - partial.length;
  const [head, ...rest] = path;
  if (head === undefined || head === '') return { replaceFrom: start, candidates: [] };
  let obj: PyValue | undefined = interpreter.globals.get(head) ?? interpreter.builtins.get(head);
  for (const seg of rest) {
    if (obj === undefined) break;
    obj = pythonChild(obj, seg);
  }
  if (obj === undefined) return { replaceFrom: start, candidates: [] };
  let names: string[];
  if (obj instanceof PyObject) names = obj.attributeNames();
  else if (isDict(obj) || isList(obj) || typeof obj === 'string') names = builtinTypeMethods[typeName(obj)] ?? [];
  else names = [];
  return finish(start, partial, names.filter((n) => !n.startsWith('_') || partial.startsWith('_')));
}

const mongoshGlobals = ['db', 'rs', 'use', 'show', 'it', 'exit', 'quit', 'help', 'print', 'printjson'];
const collectionMethods = ['countDocuments', 'deleteOne', 'find', 'findOne', 'getName', 'insertMany', 'insertOne', 'updateOne'];
const databaseMethods = ['adminCommand', 'getCollection', 'getCollectionNames', 'getName', 'getSiblingDB', 'hello', 'isMaster', 'runCommand'];
const rsMethods = ['add', 'conf', 'config', 'freeze', 'hello', 'initiate', 'isMaster', 'remove', 'status', 'stepDown'];
const cursorMethods = ['forEach', 'hasNext', 'itcount', 'limit', 'map', 'next', 'pretty', 'skip', 'sort', 'toArray'];

/** `interpreter` names the variables the learner defined (mongosh's interpreter). */
export function completeMongosh(line: string, cursor: number, interpreter: { visibleNames(): string[] }, knownCollections: string[] = []): Completion {
  const before = line.slice(0, cursor);
  const show = /^\s*show\s+(\S*)$/.exec(before);
  if (show) return finish(cursor - (show[1] ?? '').length, show[1] ?? '', ['collections', 'databases', 'dbs', 'tables']);
  const m = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\([^()]*\))*)\.([A-Za-z_$][\w$]*)?$/.exec(before);
  if (m) {
    const path = m[1] ?? '';
    const partial = m[2] ?? '';
    const start = cursor - partial.length;
    const parts = path.split('.');
    if (path === 'db') return finish(start, partial, [...databaseMethods, ...knownCollections]);
    if (path === 'rs') return finish(start, partial, rsMethods);
    if (parts[0] === 'db' && /\bfind\([^()]*\)$/.test(path)) return finish(start, partial, cursorMethods);
    if (parts[0] === 'db' && !path.includes('(')) return finish(start, partial, collectionMethods);
    if (/^db\.getCollection\([^()]*\)$/.test(path)) return finish(start, partial, collectionMethods);
    return { replaceFrom: start, candidates: [] };
  }
  const word = /([A-Za-z_$][\w$]*)$/.exec(before)?.[1] ?? '';
  return finish(cursor - word.length, word, [...mongoshGlobals, ...interpreter.visibleNames()]);
}
