import { describe, expect, it } from 'vitest';
import type { LessonSummary } from '@rslab/protocol';
import { lessonComplete, lessonEnd, nextLesson } from '../../src/lesson/next';

const entry = (id: string, available = true): LessonSummary => ({ id, title: `Lesson ${id}`, summary: '', available });
const steps = (...states: ('done' | 'pending' | 'current')[]) => states.map((state) => ({ state }));

describe('lessonComplete', () => {
  it('is true only when every step is done', () => {
    expect(lessonComplete({ lessonId: 'a', steps: steps('done', 'done') })).toBe(true);
    expect(lessonComplete({ lessonId: 'a', steps: steps('done', 'current') })).toBe(false);
    expect(lessonComplete({ lessonId: 'a', steps: steps('done', 'pending') })).toBe(false);
  });

  it('is false for a lesson without steps', () => {
    expect(lessonComplete({ lessonId: 'a', steps: [] })).toBe(false);
  });
});

describe('nextLesson', () => {
  it('offers the lesson after this one in catalog order', () => {
    expect(nextLesson({ lessonId: 'a', catalog: [entry('a'), entry('b'), entry('c')] })).toEqual({ next: entry('b'), wrapped: false });
    expect(nextLesson({ lessonId: 'b', catalog: [entry('a'), entry('b'), entry('c')] })).toEqual({ next: entry('c'), wrapped: false });
  });

  it('skips lessons this server cannot run', () => {
    expect(nextLesson({ lessonId: 'a', catalog: [entry('a'), entry('b', false), entry('c')] }).next?.id).toBe('c');
  });

  it('goes back to the first available one after the last lesson', () => {
    expect(nextLesson({ lessonId: 'c', catalog: [entry('a', false), entry('b'), entry('c')] })).toEqual({ next: entry('b'), wrapped: true });
  });

  it('offers nothing when no other lesson is available', () => {
    expect(nextLesson({ lessonId: 'a', catalog: [entry('a'), entry('b', false)] })).toEqual({ next: null, wrapped: false });
    expect(nextLesson({ lessonId: 'a', catalog: [entry('a')] }).next).toBeNull();
    expect(nextLesson({ lessonId: 'a' }).next).toBeNull();
  });

  it('never offers the current lesson, even when it is missing from the catalog order', () => {
    expect(nextLesson({ lessonId: 'x', catalog: [entry('b', false), entry('c')] })).toEqual({ next: entry('c'), wrapped: false });
  });
});

describe('lessonEnd', () => {
  const catalog = [entry('a'), entry('b')];
  it('is null while a step is left', () => {
    expect(lessonEnd({ lessonId: 'a', catalog, steps: steps('done', 'current') })).toBeNull();
  });

  it('names the next lesson once every step is done', () => {
    expect(lessonEnd({ lessonId: 'a', catalog, steps: steps('done', 'done') })).toEqual({ next: entry('b'), wrapped: false });
  });
});
