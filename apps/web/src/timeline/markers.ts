/** How an event kind is drawn: a shape and a colour token, plus a word for the legend. */
export type MarkerShape = 'circle' | 'ring' | 'diamond' | 'up' | 'down' | 'square' | 'cross' | 'dot';

export interface MarkerStyle {
  shape: MarkerShape;
  colorVar: string;
  legend: string;
}

const known: Record<string, MarkerStyle> = {
  stateChange: { shape: 'circle', colorVar: '--mk-state', legend: 'state change' },
  heartbeatFailed: { shape: 'cross', colorVar: '--mk-bad', legend: 'heartbeat failed' },
  electionStarted: { shape: 'diamond', colorVar: '--mk-election', legend: 'election started' },
  electionWon: { shape: 'diamond', colorVar: '--mk-good', legend: 'election won' },
  voteGranted: { shape: 'up', colorVar: '--mk-good', legend: 'vote granted' },
  voteRefused: { shape: 'down', colorVar: '--mk-bad', legend: 'vote refused' },
  stepDown: { shape: 'square', colorVar: '--mk-election', legend: 'step down' },
  rollback: { shape: 'square', colorVar: '--mk-bad', legend: 'rollback' },
  processKilled: { shape: 'cross', colorVar: '--mk-bad', legend: 'process killed' },
  processStarted: { shape: 'circle', colorVar: '--mk-good', legend: 'process started' },
  serverDescriptionChanged: { shape: 'circle', colorVar: '--mk-driver', legend: 'server description changed' },
  topologyDescriptionChanged: { shape: 'ring', colorVar: '--mk-driver', legend: 'topology changed' },
  commandFailed: { shape: 'cross', colorVar: '--mk-bad', legend: 'command failed' },
  memberUp: { shape: 'dot', colorVar: '--mk-good', legend: 'member seen up' },
  memberDown: { shape: 'cross', colorVar: '--mk-bad', legend: 'member marked down' },
  dryRunStarted: { shape: 'diamond', colorVar: '--mk-other', legend: 'dry-run election' },
  electionLost: { shape: 'down', colorVar: '--mk-bad', legend: 'election lost' },
  primaryWritable: { shape: 'ring', colorVar: '--mk-good', legend: 'primary accepts writes' },
  syncSourceChange: { shape: 'dot', colorVar: '--mk-state', legend: 'sync source' },
  configChange: { shape: 'dot', colorVar: '--mk-other', legend: 'config' },
  processExited: { shape: 'square', colorVar: '--mk-bad', legend: 'process exited' },
  serverHeartbeatFailed: { shape: 'cross', colorVar: '--mk-driver', legend: 'driver heartbeat failed' },
  partition: { shape: 'square', colorVar: '--mk-bad', legend: 'partition' },
  heal: { shape: 'square', colorVar: '--mk-good', legend: 'links healed' },
  read: { shape: 'dot', colorVar: '--mk-driver', legend: 'read' },
  write: { shape: 'dot', colorVar: '--mk-driver', legend: 'write' },
  command: { shape: 'dot', colorVar: '--mk-driver', legend: 'command' },
  primaryFound: { shape: 'ring', colorVar: '--mk-good', legend: 'driver found a primary' },
  primaryLost: { shape: 'ring', colorVar: '--mk-bad', legend: 'driver lost the primary' },
  commandSucceeded: { shape: 'dot', colorVar: '--mk-driver', legend: 'command succeeded' },
};

const fallback: MarkerStyle = { shape: 'dot', colorVar: '--mk-other', legend: 'other' };

export function markerStyle(kind: string): MarkerStyle {
  return Object.hasOwn(known, kind) ? (known[kind] as MarkerStyle) : fallback;
}

/**
 * The legend's words for a kind: its own, or for a kind without a style the kind spelled as words
 * (`labCleared` as "lab cleared"): the raw identifier read as a typo in the legend.
 */
export function legendText(kind: string): string {
  const style = markerStyle(kind);
  if (style !== fallback) return style.legend;
  return kind.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/** SVG path for a marker of radius `r` centred on (0, 0). */
export function markerPath(shape: MarkerShape, r: number): string {
  switch (shape) {
    case 'circle':
    case 'ring':
    case 'dot': {
      const radius = shape === 'dot' ? r * 0.6 : r;
      return `M ${-radius} 0 a ${radius} ${radius} 0 1 0 ${2 * radius} 0 a ${radius} ${radius} 0 1 0 ${-2 * radius} 0 Z`;
    }
    case 'diamond':
      return `M 0 ${-r} L ${r} 0 L 0 ${r} L ${-r} 0 Z`;
    case 'up':
      return `M 0 ${-r} L ${r} ${r} L ${-r} ${r} Z`;
    case 'down':
      return `M ${-r} ${-r} L ${r} ${-r} L 0 ${r} Z`;
    case 'square':
      return `M ${-r * 0.85} ${-r * 0.85} h ${1.7 * r} v ${1.7 * r} h ${-1.7 * r} Z`;
    case 'cross':
      return `M ${-r} ${-r} L ${r} ${r} M ${r} ${-r} L ${-r} ${r}`;
  }
}

/** Filled shapes are filled; a ring and a cross are drawn as strokes only. */
export function isStroked(shape: MarkerShape): boolean {
  return shape === 'ring' || shape === 'cross';
}
