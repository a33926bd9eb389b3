import { useEffect, useState } from 'react';
import { roomsApi, type Dashboard } from './api';
import { displayCode, roomHash } from './route';

const refreshMillis = 2000;

function minutes(millis: number): string {
  const seconds = Math.floor(millis / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The instructor's view of every attendee: lesson, step, check, time on the step, stuck or not. */
export function DashboardPage({ code, secret }: { code: string; secret: string }) {
  const [dashboard, setDashboard] = useState<Dashboard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [closed, setClosed] = useState(false);
  useEffect(() => {
    if (closed) return;
    let stopped = false;
    const load = (): void => {
      roomsApi.dashboard(code, secret).then(
        (next) => {
          if (!stopped) {
            setDashboard(next);
            setError(null);
          }
        },
        (e: unknown) => !stopped && setError(e instanceof Error ? e.message : String(e)),
      );
    };
    load();
    const timer = setInterval(load, refreshMillis);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [code, secret, closed]);
  const closeRoom = () => {
    if (!window.confirm('Close this room? Every attendee’s page stops following, their own sandboxes are dropped, and the join code and resume links stop working.')) return;
    roomsApi.close(code, secret).then(
      () => {
        setClosed(true);
        setNote('The room is closed. Attendees’ pages say so.');
      },
      (e: unknown) => setNote(e instanceof Error ? e.message : String(e)),
    );
  };
  return (
    <main className="rooms-page dashboard">
      <h1>
        Dashboard {dashboard ? `· ${dashboard.title}` : ''} <span className="room-code">{displayCode(code)}</span>
      </h1>
      {error && !closed && <p role="alert">{error}</p>}
      {note && <p role="status">{note}</p>}
      {!closed && (
        <p>
          <button type="button" className="danger" onClick={closeRoom}>
            Close the room
          </button>
        </p>
      )}
      {dashboard && !closed && (
        <>
          <p>
            The instructor is on step {dashboard.instructor.stepIndex + 1} of {dashboard.instructor.stepsTotal}
            {dashboard.instructor.stepTitle ? `: ${dashboard.instructor.stepTitle}` : ''}. Marked stuck after {minutes(dashboard.stuckAfterMillis)} on one step.
          </p>
          <table aria-label="Attendees">
            <thead>
              <tr>
                <th>Attendee</th>
                <th>Where</th>
                <th>Step</th>
                <th>Check</th>
                <th>On this step</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {dashboard.attendees.map((row) => (
                <tr key={row.id} aria-label={`attendee ${row.name}`} className={row.stuck ? 'stuck' : undefined}>
                  <td>
                    {row.name} {row.connected ? '' : <span className="muted">(away)</span>}
                  </td>
                  <td>{row.mode === 'fork' ? 'own sandbox' : 'following live'}</td>
                  <td>
                    {row.stepId === null ? 'finished' : `${row.stepIndex + 1}/${row.stepsTotal} ${row.stepTitle ?? ''}`}
                  </td>
                  <td title={row.reason ?? undefined}>{row.check === 'failing' ? `not yet: ${row.reason ?? ''}` : row.check}</td>
                  <td>
                    {row.mode === 'fork' ? minutes(row.onStepMillis) : '–'} {row.stuck && <strong className="stuck-mark">stuck</strong>}
                  </td>
                  <td>
                    {row.hasFork && (
                      <>
                        <a href={roomHash({ kind: 'watch', code, secret, attendeeId: row.id })} target="_blank" rel="noreferrer">
                          Open read-only
                        </a>{' '}
                        <button
                          type="button"
                          onClick={() => {
                            roomsApi.reset(code, secret, row.id).then(
                              (answer) => setNote(answer.message),
                              (e: unknown) => setNote(e instanceof Error ? e.message : String(e)),
                            );
                          }}
                        >
                          Reset
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {dashboard.attendees.length === 0 && <p className="muted">No attendee has joined yet.</p>}
        </>
      )}
    </main>
  );
}
