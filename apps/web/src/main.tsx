import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { App } from './components/App';
import { CourseLink } from './components/CoursePage';
import { LabClient } from './app/labClient';
import { parseRoomRoute } from './rooms/route';
import { LearnerLink, ResumeLinkButton } from './rooms/learnerLink';
import { isCourseRoute } from './lesson/course';
import { parseReplayBranchRoute, parseReplayRoute } from './replay/route';
import { SaveReplay } from './components/SaveReplay';

// Rooms pages (#rooms, #join=…, #instructor=…, …) are a separate chunk, loaded only when asked for.
const roomRoute = parseRoomRoute(window.location.hash);
const replayRoute = parseReplayRoute(window.location.hash);
if (replayRoute) {
  startReplay(replayRoute);
} else if (roomRoute) {
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root');
  import('./rooms/mount').then(
    ({ mountRooms }) => mountRooms(roomRoute, root),
    (error: unknown) => {
      console.error('loading the rooms page failed', error);
      root.textContent = `This page could not load (${error instanceof Error ? error.message : String(error)}); reload to try again.`;
    },
  );
} else {
  startLab();
}
// Moving between a lab page and a rooms page (a link such as #instructor=…) starts the page afresh.
window.addEventListener('hashchange', () => {
  if (roomRoute || replayRoute || parseRoomRoute(window.location.hash) || parseReplayRoute(window.location.hash)) window.location.reload();
});

/** `#replay=<id>`: a shared replay, played read-only; no sandbox is made for it. */
function startReplay(replayId: string): void {
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root');
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  // Never started: the replay page speaks only HTTP; the client is there for the cluster pane's props.
  const client = new LabClient(`${scheme}://${window.location.host}/ws`);
  Promise.all([import('./components/ReplayApp'), import('./replay/api'), import('./store/replay')]).then(
    ([{ ReplayApp }, { loadReplay }, { replayLoaded, replayFailed }]) => {
      createRoot(root).render(
        <StrictMode>
          <ReplayApp client={client} />
        </StrictMode>,
      );
      loadReplay(replayId).then(replayLoaded, (error: unknown) => {
        console.error('loading the replay failed', error);
        replayFailed(error instanceof Error ? error.message : String(error));
      });
    },
    (error: unknown) => {
      console.error('loading the replay page failed', error);
      root.textContent = `This page could not load (${error instanceof Error ? error.message : String(error)}); reload to try again.`;
    },
  );
}

function startLab(): void {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  // `#resume=TOKEN`: a resume link from another browser brings that learner's progress here.
  const resumeToken = /^#resume=([A-Za-z0-9_-]{16,64})$/.exec(window.location.hash)?.[1] ?? null;
  const learner = new LearnerLink(resumeToken);
  const client = new LabClient(`${scheme}://${window.location.host}/ws`, { createSocket: learner.createSocket });
  learner.onResumed = (ok, message) => client.showNotice(ok ? message : `resume link: ${message}`);
  // `#branch=<id>&at=<millis>`: "Branch from here" on a shared replay, asked for once connected.
  const branch = parseReplayBranchRoute(window.location.hash);
  if (branch) {
    client.branchFromReplay(branch.replayId, branch.at);
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
  }
  client.start();
  // `#course`: the course page over the lab, switched without a reload.
  client.setCourseOpen(isCourseRoute(window.location.hash));
  window.addEventListener('hashchange', () => client.setCourseOpen(isCourseRoute(window.location.hash)));

  // `?fixture=failover[&hold=N]` replays a recorded cluster for tests and screenshots; the player
  // and its data are a separate chunk, fetched only when asked for.
  const params = new URLSearchParams(window.location.search);
  const fixture = params.get('fixture');
  if (fixture) {
    const hold = params.get('hold');
    import('./fixtures/load')
      .then(({ startFixture }) => startFixture(fixture, client, hold === null ? undefined : Number(hold)))
      .catch((error: unknown) => {
        console.error(error);
        client.showNotice(`fixture not loaded: ${error instanceof Error ? error.message : String(error)}`);
      });
  }

  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root');
  createRoot(root).render(
    <StrictMode>
      <App
        client={client}
        tools={
          <>
            <CourseLink />
            <SaveReplay terminals={() => client.terminalTranscripts()} />
            <ResumeLinkButton learner={learner} />
          </>
        }
      />
    </StrictMode>,
  );
}
