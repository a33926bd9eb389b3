import type { LabEvent } from '@rslab/protocol';

export interface Lane {
  key: string;
  label: string;
}

export const driverLane = 'driver';
export const shellLane = 'shell';
export const setLane = 'set';

/** Which lane an event sits in: its member's, the driver's, the shell's or the whole set's. */
export function laneKey(event: Pick<LabEvent, 'source' | 'member'>): string {
  if (event.source === 'driver') return driverLane;
  if (event.source === 'shell') return shellLane;
  return event.member ?? setLane;
}

/**
 * One lane per member (the cluster's members in host order, then any other member an event
 * names), one for set-wide cluster events if any, then the driver, then the shell if used.
 */
export function assignLanes(members: readonly string[], events: readonly Pick<LabEvent, 'source' | 'member'>[]): Lane[] {
  const hosts = new Set(members);
  let hasSet = false;
  let hasShell = false;
  for (const event of events) {
    const key = laneKey(event);
    if (key === setLane) hasSet = true;
    else if (key === shellLane) hasShell = true;
    else if (key !== driverLane) hosts.add(key);
  }
  const lanes: Lane[] = [...hosts].sort().map((host) => ({ key: host, label: host }));
  if (hasSet) lanes.push({ key: setLane, label: 'replica set' });
  lanes.push({ key: driverLane, label: 'driver' });
  if (hasShell) lanes.push({ key: shellLane, label: 'shell' });
  return lanes;
}
