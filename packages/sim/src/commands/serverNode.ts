import type { Clock } from '../clock/clock';
import type { TimedLogEntry } from '../log/log';
import type { ReplCoordinator } from '../repl/coordinator';

/**
 * What the handshake and replica-set commands read of the mongod they run on. `Member`
 * (member/member.ts) implements it; the commands never import the member, which dispatches to them.
 */
export interface ServerNode {
  /** `host:port`. */
  readonly name: string;
  readonly port: number;
  /** Reported by buildInfo. */
  readonly version: string;
  readonly clock: Clock;
  /** localLogicalSessionTimeoutMinutes, as hello reports it. */
  readonly logicalSessionTimeoutMinutes: number;
  readonly repl: ReplCoordinator;
  /** `--setParameter enableTestCommands=1`: the test-only commands and options are served. */
  readonly testCommandsEnabled: boolean;
  /** Recent log lines (getLog: 'global'). */
  recentLog(): readonly TimedLogEntry[];
  /** Clean shutdown (the `shutdown` command): a primary first tries to hand off unless forced. */
  shutdown(options: { force?: boolean; timeoutSecs?: number }): Promise<void>;
}
