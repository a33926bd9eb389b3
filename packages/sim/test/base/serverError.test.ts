import { describe, expect, it } from 'vitest';
import { ErrorCodes, ServerError, codeNameFor, cursorNotFound, errorToReply, invalidNamespace, notWritablePrimary, serverError } from '../../src/base/errors';

describe('ServerError', () => {
  it('carries MongoDB code, codeName and errmsg into an ok:0 reply', () => {
    const reply = serverError('NamespaceNotFound', 'ns not found').toReply();
    expect(reply).toEqual({ ok: 0, errmsg: 'ns not found', code: 26, codeName: 'NamespaceNotFound' });
  });

  it('adds errorLabels only when present', () => {
    expect(notWritablePrimary().toReply()).not.toHaveProperty('errorLabels');
    expect(notWritablePrimary().withLabels(['RetryableWriteError']).toReply()).toEqual({
      ok: 0,
      errmsg: 'not primary',
      code: 10107,
      codeName: 'NotWritablePrimary',
      errorLabels: ['RetryableWriteError'],
    });
  });

  it('uses Location<code> for codes outside the table and refuses code 0', () => {
    expect(codeNameFor(40415)).toBe('Location40415');
    // @ts-expect-error: a ServerError is built from a name in the table; a bare code is refused at run time too.
    expect(() => new ServerError(0, 'x')).toThrow(RangeError);
    expect(() => serverError('OK', 'x')).toThrow(RangeError);
  });

  it('has one name per code', () => {
    const codes = Object.values(ErrorCodes);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codeNameFor(11000)).toBe('DuplicateKey');
  });

  it('formats well-known messages as mongod does', () => {
    expect(cursorNotFound(123n).errmsg).toBe('cursor id 123 not found');
    expect(cursorNotFound(123n).code).toBe(43);
    expect(invalidNamespace('x').errmsg).toBe("Invalid namespace specified 'x'");
  });

  it('reports non-server errors as InternalError without losing the message', () => {
    expect(errorToReply(new TypeError('boom'))).toMatchObject({ ok: 0, code: 1, codeName: 'InternalError', errmsg: 'TypeError: boom' });
  });
});
