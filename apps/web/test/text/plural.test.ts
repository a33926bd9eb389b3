import { describe, expect, it } from 'vitest';
import { counted, pluralOf } from '../../src/text/plural';

describe('counted', () => {
  it('keeps the singular for exactly one', () => {
    expect(counted(1, 'secondary')).toBe('1 secondary');
    expect(counted(1, 'event')).toBe('1 event');
  });

  it('pluralises zero and more than one', () => {
    expect(counted(3, 'secondary')).toBe('3 secondaries');
    expect(counted(0, 'secondary')).toBe('0 secondaries');
    expect(counted(2, 'event')).toBe('2 events');
    expect(counted(12, 'older event')).toBe('12 older events');
  });

  it('uses an irregular plural when given one', () => {
    expect(counted(2, 'child', 'children')).toBe('2 children');
    expect(counted(1, 'child', 'children')).toBe('1 child');
  });

  it('refuses a count that is not a number', () => {
    expect(() => counted(Number.NaN, 'event')).toThrow(RangeError);
  });
});

describe('pluralOf', () => {
  it('turns a consonant and y into ies but leaves a vowel and y alone', () => {
    expect(pluralOf('secondary')).toBe('secondaries');
    expect(pluralOf('day')).toBe('days');
    expect(pluralOf('key')).toBe('keys');
  });

  it('adds es after a hissing ending', () => {
    expect(pluralOf('process')).toBe('processes');
    expect(pluralOf('box')).toBe('boxes');
    expect(pluralOf('switch')).toBe('switches');
    expect(pluralOf('crash')).toBe('crashes');
  });

  it('adds s otherwise', () => {
    expect(pluralOf('member')).toBe('members');
    expect(pluralOf('step')).toBe('steps');
  });
});
