import type { Document } from 'bson';
import type { OpTime } from '../base/optime';
import type { MemberStateName } from './state';

/** What the protocol core reports as it runs; the Member stamps each with time and host. */
export type ReplEventBody =
  | { type: 'stateChange'; from: MemberStateName; to: MemberStateName; reason: string }
  | { type: 'termChange'; term: number }
  | { type: 'heartbeatSent'; to: string }
  | { type: 'heartbeatReceived'; from: string }
  | { type: 'heartbeatReply'; from: string; state: MemberStateName; pingMs: number }
  | { type: 'heartbeatFailed'; to: string; error: string }
  | { type: 'memberHealth'; member: string; health: 0 | 1; state: MemberStateName }
  | { type: 'electionStarted'; term: number; dryRun: boolean; reason: string }
  | { type: 'voteRequested'; to: string; term: number; dryRun: boolean }
  | { type: 'voteGranted'; from: string; term: number; dryRun: boolean }
  | { type: 'voteRefused'; from: string; term: number; dryRun: boolean; reason: string }
  | { type: 'voteCast'; candidate: string; term: number; dryRun: boolean; granted: boolean; reason: string }
  | { type: 'electionWon'; term: number }
  | { type: 'electionLost'; term: number; reason: string }
  | { type: 'primaryWritable'; term: number }
  | { type: 'stepDown'; term: number; reason: string }
  | { type: 'syncSourceChange'; syncSource: string | null }
  | { type: 'commitPoint'; opTime: OpTime }
  | { type: 'rollback'; commonPoint: OpTime; undone: OpTime[]; documents: Document[] }
  | { type: 'configChange'; version: number; term: number }
  | { type: 'write'; opTime: OpTime; ops: number };

export type ReplEventType = ReplEventBody['type'];

export type MemberEvent = ReplEventBody & { readonly atMillis: number; readonly host: string };
