import type { ApiError, ReplayView, SaveReplayBody, SavedReplay } from '@rslab/protocol';

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

/** Save this browser session's sandbox as a replay named `name`. */
export async function saveReplay(name: string, fetcher: typeof fetch = fetch): Promise<SavedReplay> {
  const body: SaveReplayBody = { name };
  return answer<SavedReplay>(await fetcher('/api/replays', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

export async function loadReplay(id: string, fetcher: typeof fetch = fetch): Promise<ReplayView> {
  return answer<ReplayView>(await fetcher(`/api/replays/${encodeURIComponent(id)}`));
}
