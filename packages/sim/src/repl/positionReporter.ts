import { LogIds } from '../log/ids';
import type { ReplContext } from './context';
import { describeError } from './context';

/**
 * replSetUpdatePosition on the wire: a secondary tells its sync source where it and the members
 * behind it are, once per burst of news (a new batch, the journal's flush, a keep-alive). What to
 * send is the topology core's (updatePositionCommand).
 */
export class PositionReporter {
  private readonly ctx: ReplContext;
  private scheduled = false;

  constructor(ctx: ReplContext) {
    this.ctx = ctx;
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.ctx.timers.set(0, () => {
      this.scheduled = false;
      const { topology, ports } = this.ctx;
      const request = topology.updatePositionCommand();
      if (!request) return;
      const { target, command } = request;
      ports.send(target, 'admin', command, topology.electionTimeoutMillis).then(
        (reply) => {
          if (!this.ctx.stopped() && reply.ok !== 1) ports.log('D1', 'REPL', LogIds.updatePositionFailed, { target, error: reply.errmsg });
        },
        (error: unknown) => {
          // The next position update (every heartbeat, and on every new entry) carries the same news.
          if (!this.ctx.stopped()) ports.log('D1', 'REPL', LogIds.updatePositionFailed, { target, error: describeError(error) });
        },
      );
    });
  }
}
