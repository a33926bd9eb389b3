import { instructorSecretHeader, type CreatedRoom, type Dashboard, type JoinedRoom, type OkMessageReply, type OkReply } from '@rslab/protocol';

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

async function call<T>(method: string, path: string, options: { body?: unknown; secret?: string } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.secret !== undefined) headers[instructorSecretHeader] = options.secret;
  const response = await fetch(path, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
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

export const roomsApi = {
  create: (title: string, lessonId: string) => call<CreatedRoom>('POST', '/api/rooms', { body: { title, lessonId } }),
  join: (code: string, name: string) =>
    call<JoinedRoom>('POST', `/api/rooms/${encodeURIComponent(code)}/join`, { body: { name } }),
  dashboard: (code: string, secret: string) => call<Dashboard>('GET', `/api/rooms/${encodeURIComponent(code)}/dashboard`, { secret }),
  close: (code: string, secret: string) => call<OkReply>('DELETE', `/api/rooms/${encodeURIComponent(code)}`, { secret }),
  reset: (code: string, secret: string, attendeeId: string) =>
    call<OkMessageReply>('POST', `/api/rooms/${encodeURIComponent(code)}/attendees/${attendeeId}/reset`, { secret }),
};
