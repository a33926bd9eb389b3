import { fillPlaceholders } from '@rslab/protocol';
import { describe, expect, it } from 'vitest';
import { parseCommands, tokenizeBash } from '../../../src/shell/bash/tokenize';

const env = { variable: (n: string) => (n === 'X' ? 'ex' : undefined), substitute: (c: string) => (c === 'hostname' ? 'morton.local' : undefined) };

function words(src: string): string[] {
  const r = tokenizeBash(src, env);
  if (r.status !== 'ok') throw new Error(JSON.stringify(r));
  return r.tokens.map((t) => (t.kind === 'word' ? t.text : `<${t.op}>`));
}

describe('bash tokenizer', () => {
  it('splits words with quotes, escapes and expansions', () => {
    expect(words(`a 'b c' "d $X \\$X" e\\ f $X\${X} "$(hostname)" # rest`)).toEqual(['a', 'b c', 'd ex $X', 'e f', 'exex', 'morton.local']);
    expect(words('a;b&c && d || e')).toEqual(['a', '<;>', 'b', '<&>', 'c', '<&&>', 'd', '<||>', 'e']);
    expect(words("''")).toEqual(['']);
    expect(words('a#b')).toEqual(['a#b']);
  });

  it('reports what it is still waiting for', () => {
    expect(tokenizeBash('echo "abc', env)).toEqual({ status: 'incomplete', lookingFor: '"' });
    expect(tokenizeBash("echo 'abc", env)).toEqual({ status: 'incomplete', lookingFor: "'" });
    expect(tokenizeBash('mongod --port 27018 \\', env)).toEqual({ status: 'incomplete', lookingFor: '\\' });
    expect(tokenizeBash('echo a &&', env)).toEqual({ status: 'incomplete', lookingFor: 'command' });
    expect(words('mongod --port 27018 \\\n  --dbpath /data/db1')).toEqual(['mongod', '--port', '27018', '--dbpath', '/data/db1']);
  });

  it('groups commands and marks background ones', () => {
    const r = tokenizeBash('mongod --port 1 & mongod --port 2 &', env);
    if (r.status !== 'ok') throw new Error('tokenize');
    expect(parseCommands(r.tokens)).toEqual({
      status: 'ok',
      commands: [
        { words: ['mongod', '--port', '1'], background: true, after: null },
        { words: ['mongod', '--port', '2'], background: true, after: ';' },
      ],
    });
  });

  it("reads a lesson's {{command:killed}} back as the words that started the member", () => {
    for (const argv of [
      ['mongod', '--port', '27018', '--dbpath', '/data/db1', '--replSet', 'foo/morton.local:27017', '--rest'],
      ['mongod', '--dbpath', '/data/my db', '--bind_ip', "it's", '--setParameter', 'x=$X', '--logpath', 'a;b#c&d', ''],
    ]) {
      const member = { host: 'morton.local:27018', pid: 4002, process: 'killed', state: 'DOWN', argv } as const;
      const filled = fillPlaceholders('{{command:killed}}', { members: [member] });
      if (!filled.ok) throw new Error(filled.missing);
      expect(words(filled.text)).toEqual(argv);
    }
  });
});
