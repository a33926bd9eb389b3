import { describe, expect, it } from 'vitest';
import { displayState, processText, shortHost, stateStyle } from '../../src/cluster/states';

describe('member states', () => {
  it('gives PRIMARY, SECONDARY and DOWN distinct colours', () => {
    const colours = new Set(['PRIMARY', 'SECONDARY', 'DOWN'].map((s) => stateStyle(s as 'PRIMARY').colorVar));
    expect(colours.size).toBe(3);
  });
  it('shows a member whose process is not running as DOWN, whatever it last said', () => {
    expect(displayState({ state: 'PRIMARY', process: 'killed' })).toBe('DOWN');
    expect(displayState({ state: 'PRIMARY', process: 'stopped' })).toBe('DOWN');
    expect(displayState({ state: 'SECONDARY', process: 'running' })).toBe('SECONDARY');
  });
  it('writes the process with its pid when there is one', () => {
    expect(processText({ pid: 4242, process: 'running' })).toBe('pid 4242 · running');
    expect(processText({ pid: null, process: 'killed' })).toBe('killed');
  });
  it('shortens hosts to ports only when all share a hostname', () => {
    const same = ['morton.local:27017', 'morton.local:27018'];
    expect(shortHost('morton.local:27018', same)).toBe(':27018');
    const mixed = ['a.local:27017', 'b.local:27017'];
    expect(shortHost('b.local:27017', mixed)).toBe('b.local:27017');
  });
});
