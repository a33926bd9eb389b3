import { describe, expect, it } from 'vitest';
import type { LessonListing, LessonSummary } from '@rslab/protocol';
import { courseRows, courseTotals, isCourseRoute, parseLessonList, progressText } from '../../src/lesson/course';

const listing = (id: string, extra: Partial<LessonListing> = {}): LessonListing => ({
  id,
  title: `Lesson ${id}`,
  summary: `About ${id}`,
  steps: 4,
  minutes: 10,
  engine: 'any',
  available: true,
  after: [],
  ...extra,
});
const summary = (id: string, done: number): LessonSummary => ({ id, title: `Lesson ${id}`, summary: '', available: true, done });
const steps = (...states: ('done' | 'pending' | 'current')[]) => states.map((state) => ({ state }));

describe('isCourseRoute', () => {
  it('is the #course fragment only', () => {
    expect(isCourseRoute('#course')).toBe(true);
    expect(isCourseRoute('')).toBe(false);
    expect(isCourseRoute('#courses')).toBe(false);
    expect(isCourseRoute('#resume=abcdefghijklmnop')).toBe(false);
  });
});

describe('courseRows', () => {
  it('keeps the order of GET /api/lessons and numbers the lessons from 1', () => {
    const rows = courseRows([listing('b'), listing('a'), listing('c')], null);
    expect(rows.map((row) => [row.number, row.id])).toEqual([
      [1, 'b'],
      [2, 'a'],
      [3, 'c'],
    ]);
  });

  it('takes each lesson’s progress from the catalog, and the open lesson’s from its live steps', () => {
    const rows = courseRows([listing('a'), listing('b'), listing('c')], {
      lessonId: 'b',
      // The catalog's count for the open lesson may lag behind the steps that just passed.
      catalog: [summary('a', 4), summary('b', 1), summary('c', 0)],
      steps: steps('done', 'done', 'current', 'pending'),
    });
    expect(rows.map((row) => [row.id, row.done, row.progressText, row.action, row.current])).toEqual([
      ['a', 4, 'done', 'review', false],
      ['b', 2, '2 of 4 steps done', 'back', true],
      ['c', 0, 'not started', 'start', false],
    ]);
  });

  it('offers Continue for a lesson left half done', () => {
    const [row] = courseRows([listing('a')], { lessonId: 'z', catalog: [summary('a', 3)], steps: [] });
    expect(row?.action).toBe('continue');
    expect(row?.progressText).toBe('3 of 4 steps done');
  });

  it('says what a lesson needs: the sim engine and the lessons it builds on, by title', () => {
    const rows = courseRows([listing('a'), listing('b', { engine: 'sim', after: ['a', 'gone'] })], null);
    expect(rows[0]?.needs).toEqual([]);
    expect(rows[1]?.needs).toEqual(['the simulated engine', 'builds on “Lesson a”', 'builds on “gone”']);
    // Building on a lesson is advice, never a lock.
    expect(rows[1]?.action).toBe('start');
  });

  it('gives an unavailable lesson a reason instead of a button', () => {
    const [row] = courseRows([listing('p', { engine: 'sim', available: false })], { lessonId: 'a', catalog: [], steps: [] });
    expect(row?.action).toBeNull();
    expect(row?.unavailable).toMatch(/needs the simulated engine/);
  });

  it('never counts more steps done than the lesson has', () => {
    const [row] = courseRows([listing('a', { steps: 2 })], { lessonId: 'x', catalog: [summary('a', 5)], steps: [] });
    expect(row?.done).toBe(2);
    expect(row?.progressText).toBe('done');
  });
});

describe('progressText and courseTotals', () => {
  it('words the progress', () => {
    expect(progressText(0, 5)).toBe('not started');
    expect(progressText(1, 5)).toBe('1 of 5 steps done');
    expect(progressText(5, 5)).toBe('done');
  });

  it('adds up the minutes and the finished lessons', () => {
    const rows = courseRows([listing('a', { minutes: 15 }), listing('b', { minutes: 20 })], { lessonId: 'a', catalog: [], steps: steps('done', 'done', 'done', 'done') });
    expect(courseTotals(rows)).toEqual({ lessons: 2, minutes: 35, finished: 1 });
  });
});

describe('parseLessonList', () => {
  it('accepts the route’s shape', () => {
    expect(parseLessonList([listing('a')])).toEqual([listing('a')]);
  });

  it('refuses anything else, naming the entry', () => {
    expect(() => parseLessonList({ lessons: [] })).toThrow(/not a list/);
    expect(() => parseLessonList([listing('a'), { id: 'b', title: 'B' }])).toThrow(/entry 1/);
    expect(() => parseLessonList([{ ...listing('a'), engine: 'mongod' }])).toThrow(/entry 0/);
  });
});
