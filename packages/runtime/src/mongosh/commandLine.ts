import { parseMongoshArgs } from '@mongosh/cli-repl/lib/arg-parser';
import { USAGE } from '@mongosh/cli-repl/lib/constants';
import { generateConnectionInfoFromCliArgs } from '@mongosh/arg-parser';
import { redactConnectionString } from 'mongodb-redact';
import ConnectionString from 'mongodb-connection-string-url';
import type { Document } from './rpc/driverCalls';

/** The mongosh these packages are (`version()` in the shell answers the same). */
export const mongoshVersion = '2.12.0';

/** What `mongosh ARGS` asks for, as mongosh's own argument parser reads it. */
export interface MongoshCommandLine {
  /** `--help` and `--version` print this and exit; null otherwise. */
  print: string | null;
  /** Deprecated flags the parser translated (mongosh prints them first). */
  warnings: string[];
  nodb: boolean;
  /** mongosh's rule: `--quiet`, or by default when it only runs `--eval` scripts. */
  quiet: boolean;
  /** `--shell`: stay in the REPL after the scripts. */
  shell: boolean;
  evalScripts: string[];
  /** The connection string mongosh connects with (its appName added, as mongosh adds it). */
  uri: string;
  /** The same, as printed after `Connecting to:`. */
  displayUri: string;
  /** Driver options from the flags (`--retryWrites`, `--username`, …), plain values only. */
  driverOptions: Document;
  /** What mongosh gives its shell API (`quiet`, `deepInspect`, `nodb`...). */
  shellCliOptions: Document & { deepInspect?: boolean };
}

function plain(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The mongosh command line: `argv` without the program name (`["--port", "27019"]`). */
export function parseMongoshCommandLine(argv: string[]): MongoshCommandLine {
  const { parsed, warnings } = parseMongoshArgs(['node', 'mongosh', ...argv]);
  const options = parsed as Record<string, unknown> & { fileNames?: string[]; eval?: string[] };
  const base = { warnings, nodb: false, quiet: true, shell: false, evalScripts: [], uri: '', displayUri: '', driverOptions: {}, shellCliOptions: {} };
  if (options.help) return { ...base, print: USAGE };
  if (options.version) return { ...base, print: mongoshVersion };
  if (options.fileNames && options.fileNames.length > 0) {
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${options.fileNames[0]}'`), { name: 'Error' });
  }
  const evalScripts = options.eval ?? [];
  const interactive = evalScripts.length === 0 || options.shell === true;
  const quiet = typeof options.quiet === 'boolean' ? options.quiet : !(typeof options.verbose === 'boolean' ? options.verbose : interactive);
  const deepInspect = typeof options.deepInspect === 'boolean' ? options.deepInspect : interactive;
  const nodb = options.nodb === true;
  let uri = '';
  let driverOptions: Document = {};
  if (!nodb) {
    const info = generateConnectionInfoFromCliArgs(parsed as never);
    const connectionString = new ConnectionString(info.connectionString);
    const search = connectionString.typedSearchParams<{ appName: string }>();
    // mongosh names itself to the server unless the URI already does.
    if (!search.get('appName')) search.set('appName', `mongosh ${mongoshVersion}`);
    uri = connectionString.toString();
    driverOptions = Object.fromEntries(Object.entries(info.driverOptions).filter(([, value]) => plain(value)));
  }
  return {
    print: null,
    warnings,
    nodb,
    quiet,
    shell: options.shell === true,
    evalScripts,
    uri,
    displayUri: uri === '' ? '' : redactConnectionString(uri),
    driverOptions,
    shellCliOptions: { ...options, quiet, deepInspect, jsContext: 'repl' },
  };
}
