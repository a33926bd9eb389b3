export interface Point {
  x: number;
  y: number;
}

/**
 * Places members evenly on a circle inside a `width`×`height` box, the first at the top, going
 * clockwise; one member sits in the middle, two side by side. Positions keep `margin` from edges.
 */
export function circleLayout(hosts: readonly string[], width: number, height: number, margin: number): Map<string, Point> {
  if (width <= 2 * margin || height <= 2 * margin) throw new RangeError('layout box smaller than its margins');
  const positions = new Map<string, Point>();
  const cx = width / 2;
  const cy = height / 2;
  const n = hosts.length;
  if (n === 0) return positions;
  if (n === 1) {
    positions.set(hosts[0] as string, { x: cx, y: cy });
    return positions;
  }
  if (n === 2) {
    positions.set(hosts[0] as string, { x: margin, y: cy });
    positions.set(hosts[1] as string, { x: width - margin, y: cy });
    return positions;
  }
  const rx = width / 2 - margin;
  const ry = height / 2 - margin;
  hosts.forEach((host, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    positions.set(host, { x: round(cx + rx * Math.cos(angle)), y: round(cy + ry * Math.sin(angle)) });
  });
  return positions;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
