// Types of scripts/cluster.mjs for the TypeScript that imports it (e2e, bench).
export const replicaSetName: string;
export function freePort(): Promise<number>;
export function stopPid(pid: number | null, signal?: NodeJS.Signals, millis?: number): Promise<boolean>;
export function httpGet(url: string, millis?: number): Promise<{ status: number; body: unknown; headers: Headers } | null>;
export function haproxyConfig(options: { port: number; instances: Array<{ name: string; port: number }>; checkMillis?: number }): string;
export function nginxConfig(options: { port: number; instances: Array<{ name: string; port: number }>; dir: string }): string;

export interface ClusterMember {
  index: number;
  port: number;
  dbpath: string;
  log: string;
  pid: number | null;
}
export interface ClusterInstance {
  name: string;
  port: number;
  dataDir: string;
  log: string;
  pid: number | null;
}
export class Cluster {
  readonly dir: string;
  readonly url: string;
  readonly storeUri: string;
  readonly members: ClusterMember[];
  readonly instances: ClusterInstance[];
  instance(name: string): ClusterInstance;
  instanceUrl(name: string): string;
  startMember(index: number): Promise<void>;
  killMember(index: number, signal?: NodeJS.Signals): Promise<void>;
  storedDocuments(collection: string, filter: Record<string, unknown>, databaseName?: string): Promise<{ majority: Array<Record<string, unknown>>; byMember: Record<number, Array<Record<string, unknown>> | string> }>;
  primaryIndex(): Promise<number>;
  waitForPrimary(millis?: number): Promise<number>;
  startInstance(name: string): Promise<void>;
  killInstance(name: string, signal?: NodeJS.Signals): Promise<void>;
  health(name: string): ReturnType<typeof httpGet>;
  waitForHealthy(name: string, millis?: number): Promise<boolean>;
  waitForBalancer(millis?: number): Promise<void>;
  stop(): Promise<void>;
}
export function startCluster(options: {
  dir: string;
  instances?: number;
  balancer?: 'haproxy' | 'nginx';
  port?: number;
  detached?: boolean;
  build?: false | 'server' | 'all';
  instanceEnv?: Record<string, string>;
  checkMillis?: number;
}): Promise<Cluster>;
export function openCluster(dir: string): Cluster | null;
