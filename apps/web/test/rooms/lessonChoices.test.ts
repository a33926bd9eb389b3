import type { LessonListing } from '@rslab/protocol';
import { describe, expect, it } from 'vitest';
import { defaultRoomLesson, roomLessonChoices } from '../../src/rooms/lessonChoices';

const listing = (id: string, available = true): LessonListing => ({ id, title: `Lesson ${id}`, summary: '', steps: 3, minutes: 5, engine: 'any', available, after: [] });

describe('roomLessonChoices', () => {
  it('offers every lesson of the course the server can run, in the course order', () => {
    expect(roomLessonChoices([listing('walkthrough'), listing('today'), listing('partitions', false), listing('maintenance')])).toEqual([
      { id: 'walkthrough', title: 'Lesson walkthrough' },
      { id: 'today', title: 'Lesson today' },
      { id: 'maintenance', title: 'Lesson maintenance' },
    ]);
  });

  it('offers the first lesson alone before the course has loaded, never a lesson the server lacks', () => {
    expect(roomLessonChoices(null)).toEqual([defaultRoomLesson]);
    expect(roomLessonChoices([])).toEqual([defaultRoomLesson]);
  });
});
