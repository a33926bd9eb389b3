/** The rooms HTTP API, as the pages call it. The instructor secret goes in a header, never in a URL. */
export interface CreatedRoom {
  code: string;
  displayCode: string;
  title: string;
  lessonId: string;
  joinPath: string;
  instructorPath: string;
  dashboardPath: string;
  presenterPath: string;
  secret: string;
}

export interface DashboardRow {
  id: string;
  name: string;
  mode: 'live' | 'fork';
  connected: boolean;
  hasFork: boolean;
  lessonId: string;
  stepId: string | null;
  stepTitle: string | null;
  stepIndex: number;
  stepsTotal: number;
  check: 'done' | 'failing' | 'waiting';
  reason: string | null;
  onStepMillis: number;
  stuck: boolean;
}

export interface Dashboard {
  code: string;
  title: string;
  lessonId: string;
  stuckAfterMillis: number;
  instructor: { stepId: string | null; stepTitle: string | null; stepIndex: number; stepsTotal: number };
  attendees: DashboardRow[];
}

export class RoomApiError extends Error {
  override readonly name = 'RoomApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const secretHeader = 'x-rslab-instructor-secret';

async function call<T>(method: string, path: string, options: { body?: unknown; secret?: string } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.secret !== undefined) headers[secretHeader] = options.secret;
  const response = await fetch(path, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const payload = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok) {
    throw new RoomApiError(response.status, payload.message ?? response.statusText);
  }
  return payload as T;
}

export const roomsApi = {
  create: (title: string, lessonId: string) => call<CreatedRoom>('POST', '/api/rooms', { body: { title, lessonId } }),
  join: (code: string, name: string) =>
    call<{ code: string; title: string; attendeeId: string; token: string; resumePath: string }>('POST', `/api/rooms/${encodeURIComponent(code)}/join`, { body: { name } }),
  dashboard: (code: string, secret: string) => call<Dashboard>('GET', `/api/rooms/${encodeURIComponent(code)}/dashboard`, { secret }),
  close: (code: string, secret: string) => call<{ ok: boolean }>('DELETE', `/api/rooms/${encodeURIComponent(code)}`, { secret }),
  reset: (code: string, secret: string, attendeeId: string) =>
    call<{ ok: boolean; message: string }>('POST', `/api/rooms/${encodeURIComponent(code)}/attendees/${attendeeId}/reset`, { secret }),
};
