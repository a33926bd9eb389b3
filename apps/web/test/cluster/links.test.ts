import { describe, expect, it } from 'vitest';
import { cutPeers, linkStyle, pairLinks } from '../../src/cluster/links';

describe('link styling', () => {
  it('draws up solid, cut dashed red and down grey', () => {
    expect(linkStyle({ status: 'up', delayMillis: 0 })).toMatchObject({ dash: undefined, stroke: 'var(--link-up)', label: 'up' });
    expect(linkStyle({ status: 'cut', delayMillis: 0 })).toMatchObject({ stroke: 'var(--link-cut)', label: 'cut' });
    expect(linkStyle({ status: 'cut', delayMillis: 0 }).dash).toBeDefined();
    expect(linkStyle({ status: 'down', delayMillis: 0 })).toMatchObject({ stroke: 'var(--link-down)', label: 'down' });
  });
  it('says when an up link is slowed', () => {
    expect(linkStyle({ status: 'up', delayMillis: 250 })).toMatchObject({ stroke: 'var(--link-slow)', label: 'up, 250 ms delay' });
  });
  it('draws an ordinary network delay (the sandbox’s 1 ms) as a plain up link', () => {
    expect(linkStyle({ status: 'up', delayMillis: 1 })).toMatchObject({ stroke: 'var(--link-up)', dash: undefined, label: 'up' });
  });
  it('merges both directions into one pair with the worse status', () => {
    const pairs = pairLinks([
      { from: 'b', to: 'a', status: 'up', delayMillis: 0 },
      { from: 'a', to: 'b', status: 'cut', delayMillis: 0 },
      { from: 'a', to: 'c', status: 'up', delayMillis: 10 },
      { from: 'c', to: 'a', status: 'down', delayMillis: 0 },
      { from: 'a', to: 'a', status: 'up', delayMillis: 0 },
    ]);
    expect(pairs).toEqual([
      { from: 'a', to: 'b', status: 'cut', delayMillis: 0 },
      { from: 'a', to: 'c', status: 'down', delayMillis: 10 },
    ]);
  });
});

describe('cutPeers', () => {
  it('lists the members a member is cut off from, whichever way round the link was cut', () => {
    const links = [
      { from: 'a', to: 'b', status: 'cut' as const, delayMillis: 0 },
      { from: 'c', to: 'a', status: 'cut' as const, delayMillis: 0 },
      { from: 'a', to: 'd', status: 'down' as const, delayMillis: 0 },
      { from: 'b', to: 'c', status: 'cut' as const, delayMillis: 0 },
      { from: 'a', to: 'e', status: 'up' as const, delayMillis: 0 },
    ];
    expect(cutPeers('a', links)).toEqual(['b', 'c']);
    expect(cutPeers('e', links)).toEqual([]);
  });
});
