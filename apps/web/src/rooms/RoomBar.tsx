import { useState } from 'react';
import type { RoomSocket } from './roomSocket';
import { displayCode } from './route';
import { selectClosedReason, selectRefusal, selectSwitching, selectWelcome, useRoom } from './store';

let nextStepRequest = 1;

/** The strip above the lab on a room page: whose sandbox this is, and the room's own buttons. */
export function RoomBar({ socket, resumeLink, links }: { socket: RoomSocket; resumeLink?: string; links?: Array<{ label: string; href: string }> }) {
  const welcome = useRoom(selectWelcome);
  const refusal = useRoom(selectRefusal);
  const switching = useRoom(selectSwitching);
  const closedReason = useRoom(selectClosedReason);
  const [copied, setCopied] = useState(false);
  if (!welcome) return <div className="room-bar" role="region" aria-label="Room">Joining the room…</div>;
  const open = closedReason === null;
  const modeText = !open
    ? 'Room closed'
    : welcome.role === 'instructor'
      ? welcome.mode === 'watch'
        ? 'Watching an attendee’s own sandbox (read-only)'
        : 'You are the instructor: attendees follow this sandbox live'
      : welcome.mode === 'live'
        ? 'Following the instructor live (read-only)'
        : 'Your own sandbox';
  return (
    <div className={`room-bar room-${welcome.mode}`} role="region" aria-label="Room">
      <span className="room-title">{welcome.title}</span>
      <span className="room-code" aria-label="Join code">
        {displayCode(welcome.code)}
      </span>
      <span className="room-mode" role="status" aria-label="Room mode">
        {modeText}
      </span>
      {open && welcome.role === 'attendee' && welcome.mode === 'live' && (
        <button type="button" disabled={switching} onClick={() => socket.send({ type: 'room.fork' })}>
          Try it myself
        </button>
      )}
      {open && welcome.role === 'attendee' && welcome.mode === 'live' && welcome.hasFork && (
        <button type="button" disabled={switching} onClick={() => socket.send({ type: 'room.mine' })}>
          My sandbox
        </button>
      )}
      {open && welcome.role === 'attendee' && welcome.mode === 'fork' && (
        <button type="button" disabled={switching} onClick={() => socket.send({ type: 'room.rejoin' })}>
          Back to the live view
        </button>
      )}
      {open && welcome.role === 'instructor' && welcome.mode === 'live' && (
        <button type="button" onClick={() => socket.send({ type: 'lesson.skip', requestId: nextStepRequest++ })} title="Mark this step done and go on">
          Next step
        </button>
      )}
      {links?.map((link) => (
        <a key={link.href} href={link.href} target="_blank" rel="noreferrer">
          {link.label}
        </a>
      ))}
      {open && resumeLink && (
        <button
          type="button"
          className="link-button"
          title={resumeLink}
          onClick={() => {
            navigator.clipboard?.writeText(resumeLink).then(
              () => setCopied(true),
              (error: unknown) => console.warn('copying the resume link failed (the link is in the tooltip)', error),
            );
          }}
        >
          {copied ? 'Resume link copied' : 'Copy my resume link'}
        </button>
      )}
      {closedReason && (
        <span className="room-refusal" role="alert">
          The instructor closed this room; what you see is how it last looked.
        </span>
      )}
      {open && refusal && (
        <span className="room-refusal" role="alert">
          {refusal.message}
        </span>
      )}
    </div>
  );
}
