import { describe, expect, it } from 'vitest';
import { alreadyInInterpreter, commandMismatch, promptLanguage } from '../../src/lesson/shells';

describe('which interpreter a prompt shows', () => {
  it('tells bash, Python and mongosh apart, and nothing while a command runs', () => {
    expect(promptLanguage('morton$ ')).toBe('bash');
    expect(promptLanguage('>>> ')).toBe('python');
    expect(promptLanguage('... ')).toBe('python');
    expect(promptLanguage('foo [direct: primary] test> ')).toBe('mongosh');
    expect(promptLanguage('')).toBeNull();
  });
});

describe('commandMismatch', () => {
  it('lets a line through where its interpreter is running, or when it cannot tell', () => {
    expect(commandMismatch('python', '>>> ')).toBeNull();
    expect(commandMismatch('bash', 'morton$ ')).toBeNull();
    expect(commandMismatch(undefined, 'morton$ ')).toBeNull();
    expect(commandMismatch('python', '')).toBeNull();
  });

  it('says how to start the interpreter a line needs, or how to leave the one in the way', () => {
    expect(commandMismatch('python', 'morton$ ')).toBe('This line is for Python: start python in this shell first.');
    expect(commandMismatch('mongosh', 'morton$ ')).toMatch(/^This line is for mongosh: start mongosh/);
    expect(commandMismatch('bash', '>>> ')).toBe('This line is for the shell, and Python is running in this shell: leave it with exit() or Ctrl-D first.');
    expect(commandMismatch('bash', 'foo [primary] test> ')).toMatch(/mongosh is running in this shell: leave it with exit first/);
    expect(commandMismatch('mongosh', '>>> ')).toMatch(/^This line is for mongosh, and Python is running in this shell: leave it with exit\(\) or Ctrl-D, then start mongosh/);
  });

  it('does not stand in the way of starting an interpreter that already runs (the page just selects the tab)', () => {
    expect(alreadyInInterpreter('python', '>>> ')).toBe(true);
    expect(commandMismatch('bash', '>>> ')).not.toBeNull();
  });
});
