import { instructorSecretHeader, type CreatedRoom, type Dashboard, type JoinedRoom, type OkMessageReply, type OkReply } from '@rslab/protocol';
import { parseLessonList } from '../lesson/course';

/** The rooms HTTP API, as the pages call it (shapes from @rslab/protocol). The instructor secret goes in a header, never in a URL. */
export type { CreatedRoom, Dashboard, DashboardRow } from '@rslab/protocol';

export class RoomApiError extends Error {
  override readonly name = 'RoomApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** How long a request keeps being sent again after 503s (the store electing a primary, an instance draining). */
const retryForMillisMax = 60_000;

async function call<T>(method: string, path: string, options: { body?: unknown; secret?: string } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.secret !== undefined) headers[instructorSecretHeader] = options.secret;
  const giveUpAt = Date.now() + retryForMillisMax;
  let response: Response;
  for (;;) {
    response = await fetch(path, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    // 503 with Retry-After: nothing was done (the server says so); the same request again is safe
    // (a join carries the page's own token, so it stays one attendee).
    const retryAfter = response.headers.get('retry-after');
    if (response.status !== 503 || retryAfter === null || Date.now() > giveUpAt) break;
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number(retryAfter) || 1, 10) * 1000));
  }
  // An error page that is not JSON (a proxy's 502) still fails with its status text below.
  const payload = (await response.json().catch((error: unknown) => {
    console.warn(`${method} ${path}: the reply is not JSON`, error);
    return {};
  })) as { message?: string };
  if (!response.ok) {
    throw new RoomApiError(response.status, payload.message ?? response.statusText);
  }
  return payload as T;
}

/** The resume token a page makes for its join (random, 24 bytes, base64url), so that sending the join again is the same attendee. */
export function newJoinToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export const roomsApi = {
  /** The course, for the lesson a new room opens with. */
  lessons: async () => parseLessonList(await call<unknown>('GET', '/api/lessons')),
  create: (title: string, lessonId: string) => call<CreatedRoom>('POST', '/api/rooms', { body: { title, lessonId } }),
  join: (code: string, name: string, token: string = newJoinToken()) =>
    call<JoinedRoom>('POST', `/api/rooms/${encodeURIComponent(code)}/join`, { body: { name, token } }),
  dashboard: (code: string, secret: string) => call<Dashboard>('GET', `/api/rooms/${encodeURIComponent(code)}/dashboard`, { secret }),
  close: (code: string, secret: string) => call<OkReply>('DELETE', `/api/rooms/${encodeURIComponent(code)}`, { secret }),
  reset: (code: string, secret: string, attendeeId: string) =>
    call<OkMessageReply>('POST', `/api/rooms/${encodeURIComponent(code)}/attendees/${attendeeId}/reset`, { secret }),
};
