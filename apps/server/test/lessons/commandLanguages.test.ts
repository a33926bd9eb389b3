import { describe, expect, it } from 'vitest';
import { commandLanguages } from '../../src/lessons/commandLanguages';
import type { Lesson } from '../../src/lessons/model';
import { todayLesson } from '../../src/lessons/today';
import { walkthroughLesson } from '../../src/lessons/walkthrough';

const byText = (lesson: Lesson) => {
  const languages = commandLanguages(lesson);
  return lesson.chapters.flatMap((chapter) => chapter.steps).flatMap((step) => step.commands.map((command, i) => [command.tab, command.text, languages.get(step)?.[i]]));
};

describe('commandLanguages', () => {
  it('follows each shell through the walkthrough: bash until python starts in the client shell', () => {
    const rows = byText(walkthroughLesson);
    expect(rows.find(([, text]) => text === 'hostname')).toEqual(['servers', 'hostname', 'bash']);
    expect(rows.find(([, text]) => text === 'python')).toEqual(['client', 'python', 'bash']);
    expect(rows.find(([, text]) => text === 'from pymongo import Connection')?.[2]).toBe('python');
    expect(rows.find(([, text]) => text === 'c.admin.command("replSetInitiate")')?.[2]).toBe('python');
    for (const [tab, , language] of rows) if (tab === 'servers') expect(language).toBe('bash');
  });

  it('starts mongosh and leaves it again with exit, then python, as lesson 2 does', () => {
    const rows = byText(todayLesson);
    const directAt = rows.findIndex(([, text]) => String(text).includes('directConnection=true'));
    expect(rows[directAt]?.[2]).toBe('bash');
    expect(rows.find(([, text]) => String(text).startsWith('rs.initiate('))?.[2]).toBe('mongosh');
    const exitAt = rows.findIndex(([, text]) => text === 'exit');
    expect(rows[exitAt]?.[2]).toBe('mongosh');
    expect(rows[exitAt + 1]).toEqual(['client', expect.stringMatching(/^mongosh "mongodb:\/\//), 'bash']);
    expect(rows.find(([, text]) => text === 'python')?.[2]).toBe('bash');
    expect(rows.find(([, text]) => String(text).startsWith('client.test.events.insert_one'))?.[2]).toBe('python');
    // The servers shell stays in bash throughout, whatever the client shell runs.
    for (const [tab, , language] of rows) if (tab === 'servers') expect(language).toBe('bash');
  });
});
