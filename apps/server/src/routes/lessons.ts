import fp from 'fastify-plugin';
import { LessonList } from '@rslab/protocol';
import { lessons } from '../lessons/catalog';
import { summaryOf } from '../lessons/progress';
import { errorResponses } from './errors';

/** `GET /api/lessons`: the course in order, with each lesson's size, time and needs. */
export const lessonsRoutes = fp<{ engine: 'sim' | 'mongod' }>(
  async (app, { engine }) => {
    app.get('/api/lessons', { schema: { response: { 200: LessonList, ...errorResponses } } }, async (): Promise<LessonList> =>
      lessons.map((lesson) => {
        const { id, title, summary, steps, minutes, engine: needs, available, after } = summaryOf(lesson, engine, 0);
        return { id, title, summary, steps: steps ?? 0, minutes: minutes ?? 1, engine: needs ?? 'any', available, after: after ?? [] };
      }),
    );
  },
  { name: 'rslab-lessons' },
);
