import { StrictMode, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import type { RoomClientMessage } from '@rslab/protocol';
import { LabClient } from '../app/labClient';
import { App } from '../components/App';
import { SaveReplay } from '../components/SaveReplay';
import { roomsApi } from './api';
import { CreateRoomPage } from './CreateRoomPage';
import { DashboardPage } from './DashboardPage';
import { PresenterView } from './PresenterView';
import { RoomBar } from './RoomBar';
import { RoomSocket } from './roomSocket';
import { displayCode, roomHash, type RoomRoute } from './route';
import { useLab } from '../store/lab';
import { selectInstructorPast, useRoom } from './store';
import './rooms.css';

const tokenKey = (code: string) => `rslab.room.${code.toUpperCase()}`;

function labFor(code: string, hello: RoomClientMessage): { client: LabClient; socket: RoomSocket } {
  const socket = new RoomSocket(hello);
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  // The code in the query lets a load balancer send everyone in one room to one server.
  const canonical = displayCode(code).replace('-', '');
  const client = new LabClient(`${scheme}://${window.location.host}/ws/room?room=${canonical}`, {
    createSocket: socket.createSocket,
    // The instructor's slider moves the class; a follower's "Back to live" returns to following.
    ...(hello.type === 'room.instructor' ? { onMoment: (at: number | null) => void socket.send({ type: 'room.rewind', at }) } : {}),
    ...(hello.type === 'room.follow' ? { liveMoment: () => selectInstructorPast(useRoom.getState()) } : {}),
  });
  // A follower's page shows the shell the instructor is working in: the one output arrives on.
  socket.subscribe((message) => {
    const welcome = useRoom.getState().welcome;
    if (message.type === 'output' && welcome?.readOnly && useLab.getState().activeTab !== message.tab) client.activate(message.tab);
  });
  client.start();
  return { client, socket };
}

function JoinGate({ code }: { code: string }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <main className="rooms-page">
      <h1>Join room {displayCode(code)}</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          roomsApi.join(code, name.trim() || 'attendee').then(
            (joined) => {
              localStorage.setItem(tokenKey(joined.code), joined.token);
              window.location.hash = roomHash({ kind: 'join', code: joined.code, resume: joined.token });
              window.location.reload();
            },
            (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
          );
        }}
      >
        <label>
          Your name <input value={name} maxLength={60} autoFocus onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit">Join</button>
      </form>
      {error && <p role="alert">{error}</p>}
    </main>
  );
}

/** Renders the rooms page the URL fragment names. */
export function mountRooms(route: RoomRoute, root: HTMLElement): void {
  const render = (node: ReactNode) => createRoot(root).render(<StrictMode>{node}</StrictMode>);
  switch (route.kind) {
    case 'create':
      render(<CreateRoomPage />);
      return;
    case 'dashboard':
      render(<DashboardPage code={route.code} secret={route.secret} />);
      return;
    case 'join': {
      const token = route.resume ?? localStorage.getItem(tokenKey(route.code));
      if (!token) {
        render(<JoinGate code={route.code} />);
        return;
      }
      localStorage.setItem(tokenKey(route.code), token);
      const { client, socket } = labFor(route.code, { type: 'room.follow', code: route.code, attendee: token });
      const resumeLink = `${window.location.origin}/${roomHash({ kind: 'join', code: route.code, resume: token })}`;
      render(
        <div className="rooms-shell">
          <RoomBar socket={socket} resumeLink={resumeLink} />
          <App client={client} />
        </div>,
      );
      return;
    }
    case 'instructor': {
      const { client, socket } = labFor(route.code, { type: 'room.instructor', code: route.code, secret: route.secret });
      const links = [
        { label: 'Dashboard', href: roomHash({ kind: 'dashboard', code: route.code, secret: route.secret }) },
        { label: 'Presenter view', href: roomHash({ kind: 'presenter', code: route.code, secret: route.secret }) },
      ];
      render(
        <div className="rooms-shell">
          <RoomBar socket={socket} links={links} />
          <App client={client} tools={<SaveReplay room={{ code: route.code, secret: route.secret }} terminals={() => client.terminalTranscripts()} />} />
        </div>,
      );
      return;
    }
    case 'watch': {
      const { client, socket } = labFor(route.code, { type: 'room.watch', code: route.code, secret: route.secret, attendeeId: route.attendeeId });
      render(
        <div className="rooms-shell">
          <RoomBar socket={socket} />
          <App client={client} />
        </div>,
      );
      return;
    }
    case 'presenter': {
      const { client, socket } = labFor(route.code, { type: 'room.instructor', code: route.code, secret: route.secret });
      render(<PresenterView client={client} socket={socket} />);
      return;
    }
  }
}
