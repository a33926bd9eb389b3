/**
 * The rooms pages live in the URL fragment, so that an instructor secret or a resume token is
 * never sent to a server (browsers do not send fragments) and never sits in a link attendees see:
 *
 *   #rooms                                  create a room (instructor)
 *   #join=CODE[&resume=TOKEN]               an attendee's page
 *   #instructor=CODE&secret=SECRET          the instructor's page
 *   #presenter=CODE&secret=SECRET           terminal and cluster only, large, with shortcuts
 *   #dashboard=CODE&secret=SECRET           every attendee's progress
 *   #watch=CODE&secret=SECRET&attendee=ID   one attendee's own sandbox, read-only
 */
export type RoomRoute =
  | { kind: 'create' }
  | { kind: 'join'; code: string; resume: string | null }
  | { kind: 'instructor' | 'presenter' | 'dashboard'; code: string; secret: string }
  | { kind: 'watch'; code: string; secret: string; attendeeId: string };

const secretPattern = /^[A-Za-z0-9_-]{16,64}$/;
const codePattern = /^[0-9A-Za-z-]{8,16}$/;

export function parseRoomRoute(hash: string): RoomRoute | null {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text === 'rooms') return { kind: 'create' };
  const params = new URLSearchParams(text);
  const secret = params.get('secret');
  const validSecret = secret !== null && secretPattern.test(secret) ? secret : null;
  const join = params.get('join');
  if (join !== null) {
    if (!codePattern.test(join)) return null;
    const resume = params.get('resume');
    return { kind: 'join', code: join, resume: resume !== null && secretPattern.test(resume) ? resume : null };
  }
  for (const kind of ['instructor', 'presenter', 'dashboard'] as const) {
    const code = params.get(kind);
    if (code !== null) return codePattern.test(code) && validSecret ? { kind, code, secret: validSecret } : null;
  }
  const watch = params.get('watch');
  const attendeeId = params.get('attendee');
  if (watch !== null && codePattern.test(watch) && validSecret && attendeeId !== null && /^a-[a-z0-9]{1,24}$/.test(attendeeId)) {
    return { kind: 'watch', code: watch, secret: validSecret, attendeeId };
  }
  return null;
}

export function roomHash(route: RoomRoute): string {
  switch (route.kind) {
    case 'create':
      return '#rooms';
    case 'join':
      return `#join=${route.code}${route.resume ? `&resume=${route.resume}` : ''}`;
    case 'watch':
      return `#watch=${route.code}&secret=${route.secret}&attendee=${route.attendeeId}`;
    default:
      return `#${route.kind}=${route.code}&secret=${route.secret}`;
  }
}

/** `ABCDEFGH` as people read it: `ABCD-EFGH`. */
export function displayCode(code: string): string {
  const plain = code.replace(/-/g, '').toUpperCase();
  return plain.length === 8 ? `${plain.slice(0, 4)}-${plain.slice(4)}` : plain;
}
