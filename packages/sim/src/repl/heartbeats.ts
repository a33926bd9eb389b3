import type { TimerHandle } from '../clock/clock';
import { LogIds } from '../log/ids';
import type { ReplContext } from './context';
import { describeError, errorMessage } from './context';

/** One member's heartbeats: the next one's timer and whether one is in flight; closed when it leaves the config. */
interface Channel {
  timer: TimerHandle | undefined;
  inFlight: boolean;
  closed: boolean;
}

/**
 * Heartbeats on the wire: a timer per member, one request in flight at a time, the replies and
 * failures stepped into the topology core (which decides the next heartbeat's time). A member that
 * left the config has its channel closed, so a reply still in flight is dropped. Also the config
 * fetch an uninitiated member makes when a heartbeat shows it a config.
 */
export class Heartbeats {
  private readonly ctx: ReplContext;
  private readonly channels = new Map<string, Channel>();

  constructor(ctx: ReplContext) {
    this.ctx = ctx;
  }

  schedule(host: string, delayMillis: number): void {
    let channel = this.channels.get(host);
    if (!channel) {
      channel = { timer: undefined, inFlight: false, closed: false };
      this.channels.set(host, channel);
    }
    const ch = channel;
    ch.timer?.cancel();
    ch.timer = this.ctx.timers.set(delayMillis, () => {
      ch.timer = undefined;
      if (!ch.closed) this.send(host, ch);
    });
  }

  forget(host: string): void {
    const channel = this.channels.get(host);
    if (!channel) return;
    channel.timer?.cancel();
    channel.closed = true;
    this.channels.delete(host);
  }

  private send(host: string, ch: Channel): void {
    const { topology, ports } = this.ctx;
    if (ch.inFlight || this.ctx.stopped()) return;
    const request = topology.prepareHeartbeat(host);
    if (!request) return;
    ch.inFlight = true;
    ports.send(host, 'admin', request.command, request.timeoutMillis).then(
      (reply) => {
        ch.inFlight = false;
        if (this.ctx.stopped() || ch.closed) return;
        if (reply.ok === 1) topology.heartbeatReply(host, reply, request.sentAtMillis);
        else topology.heartbeatFailed(host, String(reply.errmsg ?? 'heartbeat failed'), reply);
      },
      (error: unknown) => {
        ch.inFlight = false;
        if (this.ctx.stopped() || ch.closed) return;
        topology.heartbeatFailed(host, errorMessage(error), undefined);
      },
    );
  }

  /** Ask `host` for its config (it is newer than ours, or we have none). */
  fetchConfig(host: string): void {
    this.ctx.timers.set(0, () => {
      const { topology, ports } = this.ctx;
      const command = topology.configFetchCommand();
      if (!command) return;
      ports.send(host, 'admin', command, 10_000).then(
        (reply) => {
          if (this.ctx.stopped() || reply.ok !== 1 || !reply.config) return;
          topology.configFetched(host, reply);
        },
        (error: unknown) => {
          // Not fatal: the next heartbeat that shows a newer config asks again.
          ports.log('D1', 'REPL', LogIds.configFetchFailed, { from: host, error: describeError(error) });
        },
      );
    });
  }
}
