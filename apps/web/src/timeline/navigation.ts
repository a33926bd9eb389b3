/** Where arrow keys move focus among timeline markers (one tab stop for the whole plot). */
export interface NavMarker {
  lane: string;
  x: number;
}

/**
 * The index of the marker to focus after `key` from marker `current`: Left/Right go back and
 * forth in time, Home/End to the first and last, Up/Down to the nearest marker in the lane above
 * or below (skipping empty lanes). Returns `current` when there is nowhere to go, and null for
 * keys it does not handle.
 */
export function nextMarker(markers: readonly NavMarker[], laneOrder: readonly string[], current: number, key: string): number | null {
  if (markers.length === 0) return null;
  const here = markers[current];
  if (!here) return markers.length - 1;
  switch (key) {
    case 'ArrowRight':
      return Math.min(current + 1, markers.length - 1);
    case 'ArrowLeft':
      return Math.max(current - 1, 0);
    case 'Home':
      return 0;
    case 'End':
      return markers.length - 1;
    case 'ArrowUp':
    case 'ArrowDown': {
      const step = key === 'ArrowUp' ? -1 : 1;
      for (let lane = laneOrder.indexOf(here.lane) + step; lane >= 0 && lane < laneOrder.length; lane += step) {
        let best = -1;
        markers.forEach((m, i) => {
          if (m.lane !== laneOrder[lane]) return;
          if (best < 0 || Math.abs(m.x - here.x) < Math.abs((markers[best] as NavMarker).x - here.x)) best = i;
        });
        if (best >= 0) return best;
      }
      return current;
    }
    default:
      return null;
  }
}
