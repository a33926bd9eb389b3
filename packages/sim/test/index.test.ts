import { describe, expect, it } from 'vitest';
import * as sim from '../src/index';

describe('@rslab/sim public API', () => {
  it('exports the TCP network, the wire codec, the memory logger and the journal', () => {
    for (const name of ['TcpNetwork', 'decodeMessage', 'encodeOpMsg', 'encodeOpQuery', 'encodeOpReply', 'opMsgCommand', 'opQueryCommand', 'MessageFramer', 'MemoryLogger', 'Journal', 'MemoryJournalFileSystem', 'NodeJournalFileSystem'] as const) {
      expect(typeof sim[name], name).toBe('function');
    }
    const bytes = sim.encodeOpMsg({ requestId: 7, responseTo: 0, flags: 0, body: { ping: 1, $db: 'admin' } });
    const message = sim.decodeMessage(bytes);
    expect(message.type === 'OP_MSG' && sim.opMsgCommand(message)).toMatchObject({ db: 'admin', body: { ping: 1 } });
  });

  it('exports processMachineFacts: this process\'s resident memory and the machine, for MemberOptions.machine', () => {
    const facts = sim.processMachineFacts();
    expect(facts.memory().residentBytes).toBeGreaterThan(0);
    expect(facts.host().numCores).toBeGreaterThan(0);
  });
});
