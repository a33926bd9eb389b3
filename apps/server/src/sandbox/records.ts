/** What a sandbox remembers besides its members: the lines its shells ran and the partitions made. */

/** One line a shell ran, as the lesson checks read it. */
export interface ShellRecord {
  at: number;
  /** Sandbox-clock millis when the line finished. */
  finishedAt: number;
  tab: string;
  language: 'bash' | 'python' | 'mongosh';
  input: string;
  ok: boolean;
  /** For a failure: the exception's class name as the tool prints it (`AutoReconnect`). */
  errorName?: string;
  /** For an expression: its printed value. */
  value?: string;
  /** What the line did to the database, when it did something a lesson cares about. */
  operation?: { kind: 'read' | 'write' | 'command'; client: string; servedBy: string | null };
}

/** A partition made with the cluster controls. */
export interface PartitionView {
  at: number;
  /** Groups of `host:port` that can reach each other. */
  groups: string[][];
  healedAt: number | null;
  /** The highest term any member had when the partition began. */
  termThen: number;
}
