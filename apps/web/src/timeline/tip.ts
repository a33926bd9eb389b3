/** Where the plot's tooltip goes, so that it stays inside the plot's box (which clips it). */
export interface TipPlacement {
  left: number;
  top: number;
  /** True when the tip sits above its lane (its `top` is then its bottom edge). */
  above: boolean;
  /** The widest it may be, in px. */
  maxWidth: number;
}

export interface TipInput {
  /** The marker's x, in px from the plot's left. */
  x: number;
  laneIndex: number;
  lanes: number;
  laneHeightPx: number;
  axisHeightPx: number;
  /** The plot's width and the lane labels' column, in px. */
  width: number;
  labelWidth: number;
  /** The tip's preferred width, in px. */
  tipWidthPx: number;
}

/**
 * Under the marker's lane for the upper half of the lanes, above it for the lower half (a tip
 * under the last lane ran off the bottom and was cut), and never past the plot's right edge: on a
 * narrow plot the tip gets narrower instead.
 */
export function placeTip(input: TipInput): TipPlacement {
  const margin = 4;
  const maxWidth = Math.max(120, Math.min(input.tipWidthPx, input.width - 2 * margin));
  const left = Math.max(margin, Math.min(Math.max(input.x - maxWidth / 2, input.labelWidth), input.width - maxWidth - margin));
  const above = input.lanes > 1 && input.laneIndex >= input.lanes / 2;
  const laneTop = input.axisHeightPx + input.laneIndex * input.laneHeightPx;
  return { left, top: above ? laneTop - margin : laneTop + input.laneHeightPx + margin, above, maxWidth };
}
