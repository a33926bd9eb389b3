import { useEffect, useState } from 'react';
import type { ReplaySummary } from '@rslab/protocol';
import { deleteReplay, listReplays, type InstructorRoom } from '../replay/api';
import { replaySummaryText } from '../replay/player';

/**
 * "Your replays": the replays this browser session (or, on the instructor page, the room's
 * instructor) saved, newest first, each with its facts and a Delete that asks once more.
 * `refresh` changes when a new one was saved.
 */
export function YourReplays({ room, refresh }: { room?: InstructorRoom; refresh: string | null }) {
  const [replays, setReplays] = useState<ReplaySummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [deleted, setDeleted] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const roomCode = room?.code;
  const roomSecret = room?.secret;
  useEffect(() => {
    let current = true;
    const owner = roomCode !== undefined && roomSecret !== undefined ? { code: roomCode, secret: roomSecret } : undefined;
    listReplays(owner).then(
      (listed) => {
        if (!current) return;
        setReplays(listed);
        setError(null);
      },
      (failure: unknown) => current && setError(failure instanceof Error ? failure.message : String(failure)),
    );
    return () => {
      current = false;
    };
  }, [roomCode, roomSecret, refresh, reloads]);
  const remove = (replay: ReplaySummary) => {
    setConfirming(null);
    deleteReplay(replay.id, room).then(
      () => {
        setDeleted(`Deleted “${replay.name}”`);
        setReloads((n) => n + 1);
      },
      (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)),
    );
  };
  const now = Date.now();
  return (
    <section className="your-replays" aria-labelledby="your-replays-title">
      <h2 id="your-replays-title">Your replays</h2>
      {error && (
        <p className="save-replay-error" role="alert">
          {error}
        </p>
      )}
      <p className="muted" role="status">
        {deleted ?? (replays === null ? 'Loading…' : replays.length === 0 ? 'None saved yet.' : null)}
      </p>
      {replays && replays.length > 0 && (
        <ul>
          {replays.map((replay) => (
            <li key={replay.id}>
              <a href={replay.path} target="_blank" rel="noreferrer">
                {replay.name}
              </a>
              <span className="muted" title={`saved ${new Date(replay.createdAt).toLocaleString()}, expires ${new Date(replay.expiresAt).toLocaleString()}`}>
                {replaySummaryText(replay, now)}
              </span>
              {confirming === replay.id ? (
                <span className="your-replays-confirm">
                  <button type="button" className="danger" onClick={() => remove(replay)} aria-label={`Yes, delete “${replay.name}”`}>
                    Yes, delete
                  </button>
                  <button type="button" onClick={() => setConfirming(null)}>
                    Keep
                  </button>
                </span>
              ) : (
                <button type="button" onClick={() => setConfirming(replay.id)} aria-label={`Delete “${replay.name}”`}>
                  Delete
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
