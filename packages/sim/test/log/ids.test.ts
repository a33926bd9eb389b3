import { describe, expect, it } from 'vitest';
import { LogIds } from '../../src/log/ids';
import type { LogLine } from '../../src/log/ids';

const lines = Object.entries(LogIds) as [string, LogLine][];

describe('the log id table', () => {
  it('gives every id one message and every message one id', () => {
    expect(new Set(lines.map(([, l]) => l.id)).size).toBe(lines.length);
    expect(new Set(lines.map(([, l]) => l.msg)).size).toBe(lines.length);
    for (const [name, line] of lines) {
      expect(Number.isInteger(line.id) && line.id > 0, name).toBe(true);
      expect(line.msg.length, name).toBeGreaterThan(0);
    }
  });

  // mongodb-memory-server waits for these two (its MongoInstance), with mongod's ids
  // (src/mongo/transport/transport_layer_asio.cpp 23016, repl/replication_coordinator_impl.cpp 21331).
  it("keeps mongod's ids and texts for the lines tools wait for", () => {
    expect(LogIds.waitingForConnections).toEqual({ id: 23016, msg: 'Waiting for connections' });
    expect(LogIds.transitionToPrimaryComplete).toEqual({ id: 21331, msg: 'Transition to primary complete; database writes are now permitted' });
    expect(LogIds.stateTransition).toEqual({ id: 21358, msg: 'Replica set state transition' });
    expect(LogIds.electionSucceeded).toEqual({ id: 21450, msg: 'Election succeeded, assuming primary role' });
  });

  it('keeps the simulator’s own lines in the 19000–19999 block', () => {
    const own = lines.filter(([, l]) => l.id >= 19000 && l.id <= 19999).map(([name]) => name);
    expect(own).toContain('journalRecoveryDone');
    expect(own).toContain('setParameterIgnored');
    expect(own).not.toContain('waitingForConnections');
  });
});
