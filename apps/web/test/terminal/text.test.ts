import { describe, expect, it } from 'vitest';
import { longestCommonPrefix, toTerminalNewlines } from '../../src/terminal/text';

describe('terminal text helpers', () => {
  it('turns LF and CRLF into CRLF exactly once', () => {
    expect(toTerminalNewlines('a\nb\r\nc')).toBe('a\r\nb\r\nc');
  });
  it('finds the longest common prefix', () => {
    expect(longestCommonPrefix(['insert_one', 'insert_many'])).toBe('insert_');
    expect(longestCommonPrefix(['a', 'b'])).toBe('');
    expect(longestCommonPrefix([])).toBe('');
  });
});
