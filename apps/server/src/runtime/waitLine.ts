/**
 * The longest wait line: the terminal redraws it in place (`\r`, clear the row), which only works
 * while it fits one row, and a phone's terminal is about 40 columns. A longer line wrapped and left
 * a copy of itself on every redraw (the paused line, 82 characters, did that even at 1280 px).
 */
export const waitLineCharsMax = 40;

/**
 * The live line a driver call shows while it waits to select a server, or null for none. A client
 * that has found a replica-set member waits for a primary; one that has not reached any server
 * yet (a mistyped port, every member down) says nothing answers: "waiting for a primary" there
 * sent a newcomer looking for an election when nothing listened on the port.
 * `servers`: each known address with its SDAM server type ("RSSecondary", "Unknown", …).
 */
export function driverWaitLine(input: { servers: ReadonlyMap<string, string>; hasPrimary: boolean; waitedSeconds: number; paused: boolean }): string | null {
  const { servers, hasPrimary, waitedSeconds, paused } = input;
  if (hasPrimary && !paused) return null;
  const found = servers.size === 0 || [...servers.values()].some((type) => type !== 'Unknown');
  const seeds = [...servers.keys()];
  const fits = (line: string) => line.length <= waitLineCharsMax;
  let line = `waiting for a primary… ${waitedSeconds}s`;
  if (!found) {
    line = `no answer from ${seeds.join(', ')}… ${waitedSeconds}s`;
    if (!fits(line)) line = `no answer from any seed… ${waitedSeconds}s`;
  }
  if (paused && fits(`${line} · time paused`)) line = `${line} · time paused`;
  return line;
}
