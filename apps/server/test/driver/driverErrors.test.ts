import { describe, expect, it } from 'vitest';
import { driverNetworkMessage, networkFailure } from '../../src/driver/driverErrors';

describe('network errors in the driver’s words', () => {
  it('sees through the SOCKS bridge’s wording', () => {
    expect(networkFailure(new Error('Socks5 proxy rejected connection - ConnectionRefused'))).toBe('refused');
    expect(networkFailure(new Error('Proxy connection timed out'))).toBe('timedOut');
    expect(networkFailure(new Error('Socket closed'))).toBe('closed');
    expect(networkFailure(new Error('x', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }))).toBe('refused');
    expect(networkFailure(new Error('not master'))).toBeNull();
    expect(networkFailure('a string')).toBeNull();
  });

  it('says what the driver says when it connects straight to the member', () => {
    expect(driverNetworkMessage(new Error('Socks5 proxy rejected connection - ConnectionRefused'), 'morton.local:27018')).toBe('connect ECONNREFUSED morton.local:27018');
    expect(driverNetworkMessage(new Error('Proxy connection timed out'), 'morton.local:27018')).toBe('connection to morton.local:27018 timed out');
    expect(driverNetworkMessage(new Error('not primary'), 'morton.local:27018')).toBe('not primary');
  });
});
