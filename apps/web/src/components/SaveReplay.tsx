import { useState } from 'react';
import type { ReplayTerminal } from '@rslab/protocol';
import { saveReplay, type InstructorRoom } from '../replay/api';
import { replayLink } from '../replay/route';
import { counted } from '../text/plural';
import { YourReplays } from './YourReplays';
import { selectSaveError, selectSaved, selectSaving, savingDone, savingStarted, useReplay } from '../store/replay';

/**
 * "Save replay": the sandbox's recording under a name, answered with a link to copy; `room` on the
 * instructor page; `terminals` reads the page's terminal transcripts, which go with the save.
 */
export function SaveReplay({ room, terminals }: { room?: InstructorRoom; terminals?: () => ReplayTerminal[] } = {}) {
  const saved = useReplay(selectSaved);
  const error = useReplay(selectSaveError);
  const saving = useReplay(selectSaving);
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const link = saved ? replayLink(window.location.origin, saved.path) : null;
  const save = () => {
    savingStarted();
    saveReplay(name.trim() || `Replay ${new Date().toISOString().slice(11, 16)}`, room, terminals?.() ?? []).then(
      (reply) => savingDone({ saved: reply }),
      (failure: unknown) => savingDone({ error: failure instanceof Error ? failure.message : String(failure) }),
    );
  };
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Save replay
      </button>
    );
  }
  return (
    <form
      className="save-replay"
      aria-label="Save replay"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <input aria-label="Replay name" placeholder="Replay name" maxLength={120} value={name} onChange={(e) => setName(e.target.value)} />
      <button type="submit" disabled={saving}>
        {saving ? 'Saving…' : 'Save'}
      </button>
      {link && saved && (
        <>
          <input aria-label="Replay link" readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => copyText(link)}>
            Copy link
          </button>
          <span className="muted" data-testid="saved-replay-digest">
            {counted(saved.events, 'event')}, digest {saved.digest}
          </span>
        </>
      )}
      {error && (
        <span className="save-replay-error" role="alert">
          {error}
        </span>
      )}
      <button type="button" onClick={() => setOpen(false)} aria-label="Close save replay">
        ×
      </button>
      <YourReplays room={room} refresh={saved?.id ?? null} />
    </form>
  );
}

/** Put `text` on the clipboard; where the page may not (no secure context), the link stays selectable. */
function copyText(text: string): void {
  if (!('clipboard' in navigator)) return;
  navigator.clipboard.writeText(text).catch((failure: unknown) => console.warn('copying the replay link failed', failure));
}
