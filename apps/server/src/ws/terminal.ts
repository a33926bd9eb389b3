import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { ProtocolErrorCode, parseClientMessage } from '@rslab/protocol';
import { newSessionId } from '../plugins/session';
import { StoreUnavailableError } from '../rooms/store';
import { MomentNotKeptError } from '../sandbox/history';
import { formatClock, LabCopyError } from '../sandbox/lab';
import { SandboxLimitError, type Sandbox } from '../workspace/sandbox';
import type { Settings } from '../settings';
import { closeCode, Connection, type AnyClientMessage, type ConnectionFeature, type TabConnection } from './connection';

/**
 * `/ws`: a learner on their own. The connection shows the browser session's sandbox from the
 * start; besides terminal traffic it takes the resume-link messages.
 */
export const terminalWsPlugin = fp<{ settings: Settings }>(
  async (app, { settings }) => {
    app.get('/ws', { websocket: true }, (socket, request) => {
      if (!app.lifecycle.admit(socket)) return;
      const sessionId = request.sessionId ?? newSessionId();
      let sandbox: Sandbox;
      let created: boolean;
      try {
        ({ sandbox, created } = app.sandboxes.obtain(sessionId));
      } catch (error) {
        if (error instanceof SandboxLimitError) {
          socket.send(JSON.stringify({ type: 'error', code: ProtocolErrorCode.serverFull, message: error.message }));
          socket.close(closeCode.tryAgainLater, 'server full');
          return;
        }
        throw error;
      }
      const connection = new Connection(socket, {
        inputMessagesPerSecondMax: settings.inputMessagesPerSecondMax,
        touch: () => app.sandboxes.touch(sessionId),
        feature: (tab) => {
          // The sandbox shown now: after a branch, or after a lost worker's sandbox was replaced, not the first one.
          const links = resumeLinks(app, tab, () => tab.attached ?? sandbox);
          return {
            parse: links.parse,
            handle: (message) => {
              if (message.type !== 'timeline.branch' && message.type !== 'replay.branch') return links.handle(message);
              const ack = (ok: boolean, text: string) => tab.send({ type: 'timeline.ack', requestId: message.requestId, ok, message: text });
              let branching: Promise<{ sandbox: Sandbox; report: { at: number; started: unknown[] }; replaced?: Sandbox | undefined }>;
              if (message.type === 'timeline.branch') branching = app.sandboxes.branch(sessionId, message.at);
              else {
                const recording = app.replays.recording(message.replayId);
                if (!recording) {
                  ack(false, `this server no longer holds the members of replay ${message.replayId} (it expired, was saved on another server, or the server restarted since): it can be watched, not branched`);
                  return true;
                }
                branching = app.sandboxes.branchFromRecording(sessionId, recording, message.at);
              }
              branching.then(
                ({ sandbox: branched, report, replaced }) => {
                  sandbox = branched;
                  ack(true, `branched from ${formatClock(report.at)}: ${report.started.length} members as they were`);
                  tab.attach(branched, { readOnly: false, resumed: false });
                  // The sandbox a replay's branch replaced, now that this page shows the branch.
                  replaced?.dispose().catch((error: unknown) => app.log.error({ err: error, sandboxId: replaced.id }, 'disposing the sandbox a branch replaced failed'));
                },
                (error: unknown) => {
                  if (!(error instanceof MomentNotKeptError || error instanceof LabCopyError || error instanceof SandboxLimitError)) app.log.error({ err: error }, 'a branch failed');
                  ack(false, error instanceof Error ? error.message : String(error));
                },
              );
              return true;
            },
          };
        },
      });
      connection.attach(sandbox, { readOnly: false, resumed: !created });
    });
  },
  { name: 'rslab-terminal-ws', dependencies: ['rslab-sandboxes', 'rslab-session', 'rslab-lifecycle', 'rslab-replays'] },
);

/** Resume links (the rooms plugin keeps the progress store): ask for one, or present one. */
function resumeLinks(app: FastifyInstance, connection: TabConnection, current: () => Sandbox): ConnectionFeature {
  return {
    parse: parseClientMessage,
    handle: (message: AnyClientMessage) => {
      if (message.type !== 'progress.link' && message.type !== 'progress.resume') return false;
      if (!app.hasDecorator('learners')) {
        connection.send({ type: 'error', code: ProtocolErrorCode.invalidMessage, message: 'resume links are not available on this server' });
        return true;
      }
      const failed = (error: unknown) => {
        app.log.warn({ err: error }, 'a resume link could not be saved or read');
        const unavailable = error instanceof StoreUnavailableError;
        connection.send({
          type: 'error',
          code: unavailable ? ProtocolErrorCode.storeUnavailable : ProtocolErrorCode.storeError,
          message: `progress could not be saved or read: ${error instanceof Error ? error.message : String(error)}`,
          ...(unavailable ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
        });
      };
      if (message.type === 'progress.link') {
        app.learners.link(current()).then((path) => connection.send({ type: 'progress.link', requestId: message.requestId, path }), failed);
      } else {
        app.learners.resume(current(), message.token).then((answer) => connection.send({ type: 'progress.resumed', ...answer }), failed);
      }
      return true;
    },
  };
}
