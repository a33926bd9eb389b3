import { describe, expect, it } from 'vitest';
import { stepScrollTop } from '../../src/lesson/scroll';

const pane = { clientHeight: 500 };

describe('stepScrollTop', () => {
  it('keeps a lesson at its top on step 1, title and picker in sight, when the step starts in the first two thirds', () => {
    // The walkthrough at 1280x800: step 1 starts 300 px down and is 800 px tall.
    expect(stepScrollTop({ ...pane, scrollTop: 0, stepTop: 300, stepBottom: 1100, first: true })).toBe(0);
  });

  it('scrolls to step 1 when it starts too far down to show at the top', () => {
    expect(stepScrollTop({ ...pane, scrollTop: 0, stepTop: 450, stepBottom: 1100, first: true })).toBe(442);
  });

  it('brings a tall later step to the top of the pane when little of it shows', () => {
    expect(stepScrollTop({ ...pane, scrollTop: 0, stepTop: 420, stepBottom: 1200, first: false })).toBe(412);
  });

  it('leaves a tall step alone while a third of the pane shows of it', () => {
    expect(stepScrollTop({ ...pane, scrollTop: 100, stepTop: 300, stepBottom: 1200, first: false })).toBe(100);
  });

  it('shows a step that fits whole, scrolling as little as it can', () => {
    expect(stepScrollTop({ ...pane, scrollTop: 0, stepTop: 600, stepBottom: 800, first: false })).toBe(308);
    expect(stepScrollTop({ ...pane, scrollTop: 0, stepTop: 100, stepBottom: 300, first: false })).toBe(0);
  });

  it('scrolls up to a step whose top is above the view', () => {
    expect(stepScrollTop({ ...pane, scrollTop: 900, stepTop: 400, stepBottom: 600, first: false })).toBe(392);
  });
});
