import { useMemo } from 'react';
import type { LabClient } from '../app/labClient';
import { actionLabel, courseHash, courseRows, courseTotals, type CourseRow } from '../lesson/course';
import { selectCourse, selectCourseOpen, selectLesson, useLab } from '../store/lab';

/** Leave `#course` for the lab without a reload (the page's socket and terminals stay). */
function backToLab(client: LabClient): void {
  window.history.pushState(null, '', `${window.location.pathname}${window.location.search}`);
  client.setCourseOpen(false);
}

/** The header's way to the course page (the lab page's own; a room page has its room's lesson). */
export function CourseLink() {
  const open = useLab(selectCourseOpen);
  return (
    <a className="course-link" href={courseHash} aria-current={open ? 'page' : undefined}>
      All lessons
    </a>
  );
}

/** `#course`: every lesson in order, with the learner's progress, its time and what it needs. */
export function CoursePage({ client }: { client: LabClient }) {
  const course = useLab(selectCourse);
  const lesson = useLab(selectLesson);
  const rows = useMemo(() => (course && 'lessons' in course ? courseRows(course.lessons, lesson) : []), [course, lesson]);
  const totals = courseTotals(rows);
  return (
    <section className="course-page" aria-labelledby="course-title">
      <div className="course-head">
        <h2 id="course-title">The course</h2>
        <button type="button" className="link-button" onClick={() => backToLab(client)}>
          Back to the lab
        </button>
      </div>
      {course === null && <p className="muted">Loading the lessons…</p>}
      {course && 'error' in course && (
        <p role="alert" className="course-error">
          The lessons could not be loaded ({course.error}).{' '}
          <button type="button" onClick={() => client.loadCourse()}>
            Try again
          </button>
        </p>
      )}
      {rows.length > 0 && (
        <>
          <p className="course-intro">
            {totals.lessons} lessons, about {Math.round(totals.minutes / 5) * 5} minutes in all; {totals.finished} finished. Each one starts from its own
            machine, and your progress in each is kept when you switch.
          </p>
          <ol className="course-list">
            {rows.map((row) => (
              <CourseLesson key={row.id} row={row} client={client} />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function CourseLesson({ row, client }: { row: CourseRow; client: LabClient }) {
  const open = () => {
    if (!row.current) client.selectLesson(row.id);
    backToLab(client);
  };
  return (
    <li className={`course-lesson${row.current ? ' current' : ''}${row.unavailable ? ' unavailable' : ''}`} aria-label={`lesson ${row.number}: ${row.title}`}>
      <h3 className="course-lesson-title">
        <span className="course-number">{row.number}.</span> {row.title}
        {row.current && <span className="course-current"> (open now)</span>}
      </h3>
      <p className="course-summary">{row.summary}</p>
      <dl className="course-facts">
        <div>
          <dt>time</dt>
          <dd>about {row.minutes} min</dd>
        </div>
        <div>
          <dt>steps</dt>
          <dd>{row.steps}</dd>
        </div>
        <div>
          <dt>needs</dt>
          <dd>{row.needs.length > 0 ? row.needs.join('; ') : 'nothing before it'}</dd>
        </div>
      </dl>
      <div className="course-progress">
        <progress max={row.steps} value={row.done} aria-label={`Progress in ${row.title}`} />
        <span className="course-progress-text">{row.progressText}</span>
      </div>
      {row.action ? (
        <button type="button" className="course-open" onClick={open} aria-label={`${actionLabel[row.action]}: ${row.title}`}>
          {actionLabel[row.action]}
        </button>
      ) : (
        <p className="course-unavailable" role="note">
          {row.unavailable}
        </p>
      )}
    </li>
  );
}
