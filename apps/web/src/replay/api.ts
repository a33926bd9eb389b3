import { instructorSecretHeader, replayTerminalsBytesMax, replayTerminalsMax, trimTerminals, type ApiError, type ReplaySummary, type ReplayList, type ReplayTerminal, type ReplayView, type SaveReplayBody, type SavedReplay } from '@rslab/protocol';

/** The replays HTTP API (`/api/replays`), as the page calls it: errors become their one line. */

export class ReplayApiError extends Error {
  override readonly name = 'ReplayApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  if (response.ok) return (await response.json()) as T;
  let body: Partial<ApiError> = {};
  try {
    body = (await response.json()) as Partial<ApiError>;
  } catch (error) {
    // not JSON (a proxy's page): the status says enough
    console.warn('the replays API answered without a JSON body', error);
  }
  throw new ReplayApiError(response.status, body.error ?? 'HttpError', body.message ?? `${response.status} ${response.statusText}`);
}

/** A room's instructor sandbox, saved with the instructor's secret (sent in a header, never in the URL). */
export interface InstructorRoom {
  code: string;
  secret: string;
}

/**
 * Save this browser session's sandbox (or, with `room`, the room's instructor sandbox) as a
 * replay named `name`, with the page's `terminals` (trimmed, oldest writes first, to what a save
 * may carry; the server trims again to fit the replay's bytes).
 */
export async function saveReplay(name: string, room?: InstructorRoom, terminals: readonly ReplayTerminal[] = [], fetcher: typeof fetch = fetch): Promise<SavedReplay> {
  const body: SaveReplayBody = saveReplayBody(name, room, terminals);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (room) headers[instructorSecretHeader] = room.secret;
  return answer<SavedReplay>(await fetcher('/api/replays', { method: 'POST', headers, body: JSON.stringify(body) }));
}

/** The save request's body: the terminals (empty ones left out, the first `replayTerminalsMax`) within `replayTerminalsBytesMax`. */
export function saveReplayBody(name: string, room: InstructorRoom | undefined, terminals: readonly ReplayTerminal[]): SaveReplayBody {
  const kept = trimTerminals(terminals.filter((terminal) => terminal.chunks.length > 0).slice(0, replayTerminalsMax), replayTerminalsBytesMax).terminals;
  return { name, ...(room ? { room: room.code } : {}), ...(kept.length > 0 ? { terminals: kept } : {}) };
}

export async function loadReplay(id: string, fetcher: typeof fetch = fetch): Promise<ReplayView> {
  return answer<ReplayView>(await fetcher(`/api/replays/${encodeURIComponent(id)}`));
}

/** Whose replays a list or delete asks about: this browser session's, or (with the secret in a header) the room instructor's. */
function ownerRequest(room: InstructorRoom | undefined): { query: string; headers: Record<string, string> } {
  return room ? { query: `?room=${encodeURIComponent(room.code)}`, headers: { [instructorSecretHeader]: room.secret } } : { query: '', headers: {} };
}

/** The replays this session (or the room's instructor) saved, newest first. */
export async function listReplays(room?: InstructorRoom, fetcher: typeof fetch = fetch): Promise<ReplaySummary[]> {
  const { query, headers } = ownerRequest(room);
  return (await answer<ReplayList>(await fetcher(`/api/replays${query}`, { headers }))).replays;
}

/** Delete one of them (answered 204, no body). */
export async function deleteReplay(id: string, room?: InstructorRoom, fetcher: typeof fetch = fetch): Promise<void> {
  const { query, headers } = ownerRequest(room);
  const response = await fetcher(`/api/replays/${encodeURIComponent(id)}${query}`, { method: 'DELETE', headers });
  if (response.status !== 204) await answer<never>(response);
}
