import { useEffect, useState } from 'react';
import type { LessonList } from '@rslab/protocol';
import { roomsApi, type CreatedRoom } from './api';
import { defaultRoomLesson, roomLessonChoices } from './lessonChoices';

/** The instructor's first page: name the room, get the join code to show and the private links. */
export function CreateRoomPage() {
  const [title, setTitle] = useState('Replica set workshop');
  const [lessonId, setLessonId] = useState(defaultRoomLesson.id);
  const [course, setCourse] = useState<LessonList | null>(null);
  const [room, setRoom] = useState<CreatedRoom | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    roomsApi.lessons().then(
      (list) => {
        if (live) setCourse(list);
      },
      // The first lesson stays on offer: a room can still be made without the rest of the course.
      (e: unknown) => console.error('loading the course for the room failed', e),
    );
    return () => {
      live = false;
    };
  }, []);
  const origin = window.location.origin;
  if (room) {
    return (
      <main className="rooms-page">
        <h1>{room.title}</h1>
        <p>Show this code to the class. They join at {origin}/#join=…, or with the link below.</p>
        <p className="join-code-big" aria-label="Join code">
          {room.displayCode}
        </p>
        <dl className="room-links">
          <dt>Attendees’ link</dt>
          <dd>
            <code aria-label="Join link">{`${origin}${room.joinPath}`}</code>
          </dd>
          <dt>Your instructor link (private: it carries the secret)</dt>
          <dd>
            <a href={room.instructorPath} aria-label="Instructor link">
              {`${origin}${room.instructorPath.replace(/secret=.*/, 'secret=…')}`}
            </a>
          </dd>
          <dt>Dashboard</dt>
          <dd>
            <a href={room.dashboardPath} target="_blank" rel="noreferrer">
              Open the dashboard
            </a>
          </dd>
          <dt>Presenter view</dt>
          <dd>
            <a href={room.presenterPath} target="_blank" rel="noreferrer">
              Open the presenter view
            </a>
          </dd>
        </dl>
        <p className="muted">Keep the instructor link to yourself: anyone who has it can drive the room.</p>
      </main>
    );
  }
  return (
    <main className="rooms-page">
      <h1>Create a room</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setError(null);
          roomsApi.create(title, lessonId).then(setRoom, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
        }}
      >
        <label>
          Title <input value={title} maxLength={120} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          Lesson{' '}
          <select value={lessonId} onChange={(e) => setLessonId(e.target.value)}>
            {roomLessonChoices(course).map((lesson) => (
              <option key={lesson.id} value={lesson.id}>
                {lesson.title}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Create the room</button>
      </form>
      {error && <p role="alert">{error}</p>}
    </main>
  );
}
