/** What a sandbox remembers besides its members: the lines its shells ran and the partitions made. */

/** One line a shell ran, as the lesson checks read it. */
export interface ShellRecord {
  /** Order in the lab's record (with partitions): what came after a lesson step began counts for it. */
  seq: number;
  at: number;
  /** Sandbox-clock millis when the line finished. */
  finishedAt: number;
  tab: string;
  language: 'bash' | 'python' | 'mongosh';
  input: string;
  ok: boolean;
  /** For a failure: the exception's class name as the tool prints it (`AutoReconnect`). */
  errorName?: string;
  /** The server error's codeName, when the line's failed operation had one. */
  codeName?: string;
  /** For an expression: its printed value. */
  value?: string;
  /** What the line did to the database, when it did something a lesson cares about. */
  operation?: { kind: 'read' | 'write' | 'command'; client: string; servedBy: string | null };
}

/** A partition made with the cluster controls. */
export interface PartitionView {
  /** Order in the lab's record, as `ShellRecord.seq`. */
  seq: number;
  at: number;
  /** Groups of `host:port` that can reach each other. */
  groups: string[][];
  healedAt: number | null;
  /** The highest term any member had when the partition began. */
  termThen: number;
}

/**
 * A moment in a lab's life, to tell what came after it: the next record number, the last timeline
 * event, and the processes and driver clients that existed (PIDs and client ids are never reused).
 * Lesson checks credit a step only with what came after the step's mark.
 */
export interface LabMark {
  /** Sandbox-clock millis. */
  at: number;
  /** The `seq` the next shell record or partition will get. */
  seq: number;
  /** The id of the newest timeline event at the mark (0: none). */
  eventId: number;
  pids: ReadonlySet<number>;
  /** Processes that had been killed or had exited by the mark. */
  killedPids: ReadonlySet<number>;
  clientIds: ReadonlySet<string>;
}

/** The mark before anything: everything a lab holds came after it. */
export const originMark: LabMark = { at: -Infinity, seq: 0, eventId: 0, pids: new Set(), killedPids: new Set(), clientIds: new Set() };
