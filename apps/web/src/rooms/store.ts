import { create } from 'zustand';
import type { RoomWelcome } from '@rslab/protocol';
import type { PastMoment } from '../store/lab';

/** What the rooms pages know besides the lab itself: who this page is in which room. */
export interface RoomState {
  welcome: RoomWelcome | null;
  /** The last refusal or room error, in words. */
  refusal: { code: string; message: string } | null;
  /** A fork or rejoin is on its way. */
  switching: boolean;
  autoplay: 'off' | 'playing' | 'paused';
  autoplayNote: string | null;
  /** Set when the instructor closed the room: why, in words. */
  closedReason: string | null;
  /** The moment the instructor shows the class (a follower's page), or null: live. */
  instructorPast: PastMoment | null;
}

export const useRoom = create<RoomState>()(() => ({ welcome: null, refusal: null, switching: false, autoplay: 'off', autoplayNote: null, closedReason: null, instructorPast: null }));

export const selectWelcome = (s: RoomState) => s.welcome;
export const selectRefusal = (s: RoomState) => s.refusal;
export const selectSwitching = (s: RoomState) => s.switching;
export const selectAutoplay = (s: RoomState) => s.autoplay;
export const selectAutoplayNote = (s: RoomState) => s.autoplayNote;
export const selectClosedReason = (s: RoomState) => s.closedReason;
export const selectInstructorPast = (s: RoomState) => s.instructorPast;
