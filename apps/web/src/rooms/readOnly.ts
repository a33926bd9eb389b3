import type { RoomWelcome } from '@rslab/protocol';

/**
 * What a read-only room page says under its terminal, or null when this page may type. The
 * server refuses a follower's input anyway; this tells the person before they try.
 */
export function inputLockReason(welcome: RoomWelcome): string | null {
  if (!welcome.readOnly) return null;
  if (welcome.role === 'instructor') return 'Watching an attendee’s sandbox: read-only. Their terminal shows here as they type.';
  return welcome.hasFork
    ? 'Following the instructor: read-only. “My sandbox” takes you back to your own copy; “Try it myself” makes a new one from here.'
    : 'Following the instructor: read-only. Press “Try it myself” for your own copy to type in.';
}
