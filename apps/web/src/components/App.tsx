import { Suspense, lazy, type ReactNode } from 'react';
import type { LabClient } from '../app/labClient';
import { selectCourseOpen, selectFixture, selectLessonCollapsed, selectNotice, selectPresenterZoom, selectStatus, useLab } from '../store/lab';
import { ClusterPane } from './ClusterPane';
import { CoursePage } from './CoursePage';
import { FontSizeControl } from './FontSizeControl';
import { LessonPane } from './LessonPane';
import { RewindBar } from './RewindBar';
import { TerminalPane } from './TerminalPane';

// The timeline is the heaviest view and not needed to type the first command: load it on demand.
const Timeline = lazy(() => import('./Timeline'));

const statusText = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…' } as const;

/** `tools`: more buttons for the header, from the page that mounts the app (the resume link). */
export function App({ client, tools }: { client: LabClient; tools?: ReactNode }) {
  const status = useLab(selectStatus);
  const notice = useLab(selectNotice);
  const zoom = useLab(selectPresenterZoom);
  const lessonCollapsed = useLab(selectLessonCollapsed);
  const fixture = useLab(selectFixture);
  const courseOpen = useLab(selectCourseOpen);
  return (
    <div className={`app${zoom ? ' presenter' : ''}`}>
      <header className="app-header">
        <h1>Replica Set Lab</h1>
        <span className={`status status-${status}`} role="status" aria-live="polite">
          {statusText[status]}
        </span>
        {fixture && <span className="fixture-badge">replaying fixture “{fixture}”</span>}
        <div className="header-tools">
          <button type="button" className="presenter-toggle" aria-pressed={zoom} onClick={() => client.setPresenterZoom(!zoom)} title="Large type for a projector">
            Presenter zoom
          </button>
          <FontSizeControl client={client} />
          {tools}
        </div>
      </header>
      {notice && (
        <div className="notice" role="alert">
          {notice}
        </div>
      )}
      {courseOpen && <CoursePage client={client} />}
      {/* Hidden, not unmounted, while the course page shows: the terminals keep their screens. */}
      <main className={`layout${lessonCollapsed ? ' lesson-collapsed' : ''}`} hidden={courseOpen}>
        <LessonPane client={client} />
        <TerminalPane client={client} />
        <ClusterPane client={client} />
        <section className="pane timeline-pane" aria-label="Timeline">
          <RewindBar client={client} />
          <Suspense fallback={<p className="muted">Loading the timeline…</p>}>
            <Timeline onGoTo={(at) => client.viewAt(at)} />
          </Suspense>
        </section>
      </main>
    </div>
  );
}
