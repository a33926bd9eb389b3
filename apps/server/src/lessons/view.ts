import type { Document } from 'bson';
import type { ClusterSnapshot, LabEvent, MemberStateName } from '@rslab/protocol';

/**
 * What a lesson check may look at: the sandbox's state, read-only. The sandbox builds it; checks
 * never touch members, shells or the driver themselves.
 */
export interface LabView {
  hostname: string;
  /** Sandbox-clock millis now. */
  now: number;
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
  running: boolean;
  startedAt: number;
  /** When the process was killed, and what state it was in then. */
  killed: { at: number; signal: 'SIGTERM' | 'SIGKILL' | 'SIGINT'; stateThen: MemberStateName; termThen: number } | null;
}

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

export interface ClientView {
  id: string;
  api: 'Connection' | 'MongoClient' | 'mongosh';
  seeds: string[];
  directConnection: boolean;
  createdAt: number;
  /** Members the client's topology knows, `host:port`. */
  knownMembers: string[];
  primary: string | null;
  closed: boolean;
}

export interface PartitionView {
  at: number;
  /** Groups of `host:port` that can reach each other. */
  groups: string[][];
  healedAt: number | null;
  /** The highest term any member had when the partition began. */
  termThen: number;
}
