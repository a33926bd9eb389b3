import { describe, expect, it } from 'vitest';
import { isStroked, legendText, markerPath, markerStyle } from '../../src/timeline/markers';

describe('markers', () => {
  it('tells votes granted from refused and the driver from the cluster', () => {
    expect(markerStyle('voteGranted').shape).toBe('up');
    expect(markerStyle('voteRefused').shape).toBe('down');
    expect(markerStyle('voteGranted').colorVar).not.toBe(markerStyle('voteRefused').colorVar);
    expect(markerStyle('serverDescriptionChanged').colorVar).toBe('--mk-driver');
  });
  it('falls back for unknown kinds, including Object.prototype names', () => {
    expect(markerStyle('somethingNew').legend).toBe('other');
    expect(markerStyle('constructor').legend).toBe('other');
  });
  it('draws closed paths for filled shapes and strokes for crosses and rings', () => {
    expect(markerPath('diamond', 5)).toBe('M 0 -5 L 5 0 L 0 5 L -5 0 Z');
    expect(isStroked('cross')).toBe(true);
    expect(isStroked('circle')).toBe(false);
  });
});

describe('legendText', () => {
  it('words a kind with a style as its legend, and any other kind as words, never its identifier', () => {
    expect(legendText('voteGranted')).toBe('vote granted');
    expect(legendText('labCleared')).toBe('lab cleared');
    expect(legendText('forked')).toBe('forked');
    expect(legendText('constructor')).toBe('constructor');
  });
});
