import { describe, expect, it } from 'vitest';
import { formatJoinCode, joinCodeAlphabet, joinCodeLength, newJoinCode, normalizeJoinCode } from '../../src/rooms/joinCode';

describe('join codes', () => {
  it('are 8 symbols of a 32-symbol alphabet without look-alikes, and differ', () => {
    expect(new Set(joinCodeAlphabet).size).toBe(32);
    for (const letter of 'ILOU') expect(joinCodeAlphabet).not.toContain(letter);
    const codes = new Set(Array.from({ length: 2000 }, () => newJoinCode()));
    expect(codes.size).toBe(2000);
    for (const code of codes) expect(code).toMatch(new RegExp(`^[${joinCodeAlphabet}]{${joinCodeLength}}$`));
  });

  it('read as people type them', () => {
    expect(normalizeJoinCode('abcd-efgh')).toBe('ABCDEFGH');
    expect(normalizeJoinCode(' ab cd ef gh ')).toBe('ABCDEFGH');
    expect(normalizeJoinCode('O0IL-1234')).toBe('00111234');
    expect(normalizeJoinCode('ABCDEFG')).toBeNull();
    expect(normalizeJoinCode('ABCDEFGHJ')).toBeNull();
    expect(normalizeJoinCode('ABCDEFGU')).toBeNull();
    expect(formatJoinCode('ABCDEFGH')).toBe('ABCD-EFGH');
  });
});
