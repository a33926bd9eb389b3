import type { Document } from 'bson';
import type { ClusterSnapshot, LabEvent, MemberStateName } from '@rslab/protocol';
import type { ClientView } from '../driver/gateway';
import type { LabMark, PartitionView, ShellRecord } from '../sandbox/records';

export type { ClientView, LabMark, PartitionView, ShellRecord };
export { originMark } from '../sandbox/records';

/**
 * What a lesson check may look at: the sandbox's state, read-only. The sandbox builds it; checks
 * never touch members, shells or the driver themselves.
 */
export interface LabView {
  hostname: string;
  /** Sandbox-clock millis now. */
  now: number;
  /** This moment as a mark: a step that begins now counts only what comes after it. */
  mark: LabMark;
  processes: ProcessView[];
  cluster: ClusterSnapshot;
  shellHistory: ShellRecord[];
  clients: ClientView[];
  /** Cluster and driver events so far (bounded), oldest first. */
  events: LabEvent[];
  /** Partitions made with the cluster controls, oldest first. */
  partitions: PartitionView[];
  /** The documents of `ns` on member `host` as that member has them, or null if it is not running. */
  documents(host: string, ns: string): Promise<Document[] | null>;
  /** The set's config as its primary (else any running member) has it, or null when none answers. */
  replSetConfig(): Promise<Document | null>;
  /** Documents a member undid in a rollback, as mongod's rollback files keep them. */
  rolledBack(host: string): Array<{ ns: string; document: Document }>;
}

export interface ProcessView {
  pid: number;
  /** `host:port` the member answers on. */
  address: string;
  port: number;
  replSetName: string | null;
  seeds: string[];
  /** The command line, `mongod` first. */
  argv: string[];
  running: boolean;
  startedAt: number;
  /** When the process was killed, and what state it was in then. */
  killed: { at: number; signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT'; stateThen: MemberStateName; termThen: number } | null;
}

