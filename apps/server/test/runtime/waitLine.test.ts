import { describe, expect, it } from 'vitest';
import { driverWaitLine, waitLineCharsMax } from '../../src/runtime/waitLine';

describe('driverWaitLine', () => {
  it('waits for a primary once the client has found a member of the set', () => {
    const servers = new Map([
      ['morton.local:27017', 'Unknown'],
      ['morton.local:27018', 'RSSecondary'],
    ]);
    expect(driverWaitLine({ servers, hasPrimary: false, waitedSeconds: 4, paused: false })).toBe('waiting for a primary… 4s');
  });

  it('says nothing answers when no server has been reached (a port typo), not that it waits for a primary', () => {
    expect(driverWaitLine({ servers: new Map([['morton.local:2701', 'Unknown']]), hasPrimary: false, waitedSeconds: 5, paused: false })).toBe(
      'no answer from morton.local:2701… 5s',
    );
    const three = new Map(['morton.local:27017', 'morton.local:27018', 'morton.local:27019'].map((host) => [host, 'Unknown']));
    expect(driverWaitLine({ servers: three, hasPrimary: false, waitedSeconds: 12, paused: false })).toBe('no answer from any seed… 12s');
  });

  it('shows nothing while there is a primary, unless time is paused', () => {
    const servers = new Map([['morton.local:27017', 'RSPrimary']]);
    expect(driverWaitLine({ servers, hasPrimary: true, waitedSeconds: 1, paused: false })).toBeNull();
    expect(driverWaitLine({ servers, hasPrimary: true, waitedSeconds: 1, paused: true })).toBe('waiting for a primary… 1s · time paused');
  });

  it('never makes a line longer than one row of a phone terminal, which the redraw in place needs', () => {
    const long = new Map([['a-very-long-host-name.example.internal:27017', 'Unknown']]);
    for (const paused of [false, true]) {
      for (const servers of [long, new Map([['morton.local:27017', 'RSSecondary']])]) {
        const line = driverWaitLine({ servers, hasPrimary: false, waitedSeconds: 29_999, paused });
        expect(line?.length).toBeLessThanOrEqual(waitLineCharsMax);
      }
    }
  });
});
