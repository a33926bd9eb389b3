import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeServer } from './helpers/fakeServer';

// Real CPython (Pyodide) in a worker_thread, typed line by line as in the REPL.
describe('the Python REPL in a worker', () => {
  const server = new FakeServer();
  beforeAll(async () => {
    await server.start();
  });
  afterAll(() => server.dispose());

  it('prints the CPython banner and the classic prompts', async () => {
    // The host first clears the start-up progress line the server drew (\r, erase line).
    expect(server.output.startsWith('\r\x1b[K')).toBe(true);
    expect(server.output.slice(4)).toMatch(/^Python 3\.\d+\.\d+ .* on emscripten\nType "help", "copyright", "credits" or "license" for more information\.\n$/);
    expect(await server.line('def f(x):')).toMatchObject({ prompt: '... ', output: '' });
    expect(await server.line('    return x * 2')).toMatchObject({ prompt: '... ' });
    expect(await server.line('')).toMatchObject({ prompt: '>>> ' });
    expect((await server.line('f(21)')).output).toBe('42\n');
  });

  it('prints tracebacks as the classic REPL does, with <stdin>', async () => {
    expect((await server.line('1/0')).output).toMatch(/^Traceback \(most recent call last\):\n {2}File "<stdin>", line 1, in <module>\n(.*\n)*ZeroDivisionError: division by zero\n$/);
    expect((await server.line('nosuchname')).output).toMatch(/NameError: name 'nosuchname' is not defined\n$/);
  });

  it('runs the standard library: json, random, datetime, f-strings with format specs', async () => {
    expect((await server.line('import json, random, datetime')).output).toBe('');
    expect((await server.line('json.dumps({"a": [1, 2.5]})')).output).toBe('\'{"a": [1, 2.5]}\'\n');
    expect((await server.line('f"{3.14159:.2f}|{42:>5}|{255:#x}"')).output).toBe("'3.14|   42|0xff'\n");
    expect((await server.line('datetime.date(2010, 9, 1).isoformat()')).output).toBe("'2010-09-01'\n");
    expect((await server.line('[x * x for x in range(5) if x % 2 == 0]')).output).toBe('[0, 4, 16]\n');
  });

  it('completes names from the live namespace, rlcompleter style', async () => {
    await server.line('somevariable = 1');
    expect(await server.host.complete('t1', 'somev', 5)).toEqual({ replaceFrom: 0, candidates: ['somevariable'] });
    expect(await server.host.complete('t1', 'json.dum', 8)).toEqual({ replaceFrom: 0, candidates: ['json.dump(', 'json.dumps('] });
    expect(await server.host.complete('t1', '', 0)).toEqual({ replaceFrom: 0, candidates: ['    '] });
  });

  it('Ctrl-C raises KeyboardInterrupt in a runaway loop, and the REPL goes on', async () => {
    expect(await server.line('while True: pass')).toMatchObject({ prompt: '... ' });
    const running = server.line('');
    setTimeout(() => server.host.interruptTab('t1'), 300);
    const { output, prompt } = await running;
    expect(output).toMatch(/KeyboardInterrupt\n$/);
    expect(prompt).toBe('>>> ');
    expect((await server.line('"still here"')).output).toBe("'still here'\n");
  });

  it('Ctrl-C ends time.sleep early', async () => {
    const started = Date.now();
    const running = server.line('import time; time.sleep(30)');
    setTimeout(() => server.host.interruptTab('t1'), 300);
    expect((await running).output).toMatch(/KeyboardInterrupt\n$/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('exit() leaves the REPL', async () => {
    const other = new FakeServer('rt-2');
    try {
      await other.start();
      expect(await other.line('exit()')).toMatchObject({ exit: true });
    } finally {
      other.dispose();
    }
  });
});
