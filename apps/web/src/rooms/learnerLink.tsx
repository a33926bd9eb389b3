import { useState } from 'react';
import type { ProgressClientMessage, ServerMessage } from '@rslab/protocol';

/**
 * Resume links for a learner on their own: the lab's socket, opened through `createSocket`,
 * presents the page's `#resume=TOKEN` (if any) on each connect, and asks for a link on demand.
 */
export class LearnerLink {
  private socket: WebSocket | null = null;
  private waiting = new Map<number, (path: string) => void>();
  private nextRequestId = 1;
  /** What the server said about the presented link, for the page's notice. */
  onResumed: ((ok: boolean, message: string) => void) | null = null;

  constructor(private readonly resumeToken: string | null) {}

  readonly createSocket = (url: string): WebSocket => {
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      if (this.resumeToken) this.send({ type: 'progress.resume', token: this.resumeToken });
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string' || !event.data.includes('"progress.')) return;
      const message = JSON.parse(event.data) as ServerMessage;
      if (message.type === 'progress.link') {
        this.waiting.get(message.requestId)?.(message.path);
        this.waiting.delete(message.requestId);
      } else if (message.type === 'progress.resumed') {
        this.onResumed?.(message.ok, message.message);
      }
    });
    return socket;
  };

  private send(message: ProgressClientMessage): boolean {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** A link that resumes this learner's progress in another browser. */
  link(): Promise<string> {
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      if (!this.send({ type: 'progress.link', requestId })) {
        reject(new Error('not connected to the server'));
        return;
      }
      this.waiting.set(requestId, (path) => resolve(`${window.location.origin}${path}`));
    });
  }
}

/** The header button: fetch the link, copy it, and show it so it can be copied by hand too. */
export function ResumeLinkButton({ learner }: { learner: LearnerLink }) {
  const [link, setLink] = useState<string | null>(null);
  return (
    <button
      type="button"
      className="resume-link"
      title={link ?? 'A link that brings your progress to another browser or device'}
      onClick={() => {
        learner.link().then(
          (url) => {
            setLink(url);
            // Copying may be refused (no permission, no focus); the link is shown either way.
            navigator.clipboard?.writeText(url).catch((error: unknown) => console.warn('copying the resume link failed', error));
          },
          (error: unknown) => setLink(error instanceof Error ? error.message : String(error)),
        );
      }}
    >
      {link ? 'Resume link copied' : 'Resume link'}
    </button>
  );
}
