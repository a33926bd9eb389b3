import type { RoomClientMessage, ServerMessage } from '@rslab/protocol';
import { showLive, showOthersPast, useLab } from '../store/lab';
import { inputLockReason } from './readOnly';
import { followerView, instructorMoment } from './rewind';
import { useRoom } from './store';

type Listener = (message: ServerMessage) => void;

/**
 * The rooms side of the page's WebSocket. The LabClient opens sockets through `createSocket`;
 * each new socket first says who this page is (`hello`: room.follow or room.instructor), and its
 * messages are read here too for the room's own (welcome.room, refusals, lesson.ack).
 */
export class RoomSocket {
  private socket: WebSocket | null = null;
  private readonly listeners = new Set<Listener>();

  constructor(private hello: RoomClientMessage) {}

  /** Give this to `new LabClient(url, { createSocket })`. */
  readonly createSocket = (url: string): WebSocket => {
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener('open', () => socket.send(JSON.stringify(this.hello)));
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch (error) {
        // The server only sends JSON; a broken frame is dropped, not worth dying for.
        console.warn('dropped a rooms WebSocket frame that is not JSON', error);
        return;
      }
      this.receive(message);
    });
    return socket;
  };

  send(message: RoomClientMessage): boolean {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    if (message.type === 'room.fork' || message.type === 'room.rejoin' || message.type === 'room.mine') useRoom.setState({ switching: true });
    return true;
  }

  /** Hear every server message (the presenter's autoplay waits for prompts). */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private receive(message: ServerMessage): void {
    if (message.type === 'welcome' && message.room) {
      // A live follower hears the instructor's moment (room.moment) right after its welcome.
      useRoom.setState({ welcome: message.room, switching: false, refusal: null, instructorPast: null });
      useLab.setState({ inputLocked: inputLockReason(message.room) });
    } else if (message.type === 'room.moment') {
      const instructor = instructorMoment(message);
      useRoom.setState({ instructorPast: instructor });
      const next = followerView(useLab.getState().past, instructor);
      if (next === null) showLive();
      else if (next !== 'keep') showOthersPast(next);
    } else if (message.type === 'error' && message.code === 'RoomClosed') {
      useRoom.setState({ closedReason: message.message, switching: false });
      useLab.setState({ inputLocked: `This room is closed: ${message.message}.` });
    } else if (message.type === 'error') {
      useRoom.setState({ refusal: { code: message.code, message: message.message }, switching: false });
    }
    for (const listener of this.listeners) listener(message);
  }
}
