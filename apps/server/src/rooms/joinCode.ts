import { randomInt } from 'node:crypto';

/**
 * Join codes: 8 symbols of Crockford's base 32 (no I, L, O, U), 40 bits, shown as `ABCD-EFGH`.
 * With join attempts limited per IP, finding a live room by trying codes is hopeless: 50 rooms in
 * 2^40 codes at 30 tries a minute is one hit in about 700,000 years.
 */
export const joinCodeAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const joinCodeLength = 8;

export function newJoinCode(): string {
  let code = '';
  for (let i = 0; i < joinCodeLength; i += 1) code += joinCodeAlphabet[randomInt(joinCodeAlphabet.length)];
  return code;
}

/** The code as people type it: any case, dashes and spaces, O for 0, I and L for 1. Null if it cannot be one. */
export function normalizeJoinCode(typed: string): string | null {
  const code = typed
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (code.length !== joinCodeLength) return null;
  for (const symbol of code) if (!joinCodeAlphabet.includes(symbol)) return null;
  return code;
}

export function formatJoinCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}
