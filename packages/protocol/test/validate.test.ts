import { describe, expect, it } from 'vitest';
import { parseClientMessage, parseRoomsClientMessage } from '../src/validate';

describe('parseClientMessage', () => {
  it('accepts each well-formed message', () => {
    expect(parseClientMessage('{"type":"input","tab":"t1","line":"hostname"}')).toEqual({
      ok: true,
      message: { type: 'input', tab: 't1', line: 'hostname' },
    });
    expect(parseClientMessage('{"type":"complete","tab":"t1","requestId":3,"line":"hos","cursor":3}').ok).toBe(true);
  });

  it('names what is wrong', () => {
    expect(parseClientMessage('{')).toMatchObject({ ok: false, code: 'NotJson' });
    expect(parseClientMessage('[]')).toMatchObject({ ok: false, message: 'message must be an object with a "type"' });
    expect(parseClientMessage('{"type":"nope"}')).toMatchObject({ ok: false, message: "unknown message type 'nope'" });
    expect(parseClientMessage('{"type":"input","tab":"T 1","line":""}')).toMatchObject({
      ok: false,
      message: expect.stringContaining('/tab'),
    });
    expect(parseClientMessage('{"type":"input","tab":"t1","line":"x","extra":1}').ok).toBe(false);
    expect(parseClientMessage(JSON.stringify({ type: 'input', tab: 't1', line: 'x'.repeat(100_001) })).ok).toBe(false);
  });
});

describe('parseRoomsClientMessage: room.rewind', () => {
  it('takes a sandbox-clock moment or null (back to live), nothing else', () => {
    expect(parseRoomsClientMessage('{"type":"room.rewind","at":12000}')).toEqual({ ok: true, message: { type: 'room.rewind', at: 12000 } });
    expect(parseRoomsClientMessage('{"type":"room.rewind","at":null}').ok).toBe(true);
    expect(parseRoomsClientMessage('{"type":"room.rewind","at":"12000"}').ok).toBe(false);
    expect(parseRoomsClientMessage('{"type":"room.rewind"}').ok).toBe(false);
    expect(parseRoomsClientMessage('{"type":"room.rewind","at":1,"extra":1}').ok).toBe(false);
    // Not on the learner's own WebSocket.
    expect(parseClientMessage('{"type":"room.rewind","at":1}').ok).toBe(false);
  });
});
