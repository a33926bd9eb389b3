import type { ClusterSnapshot } from '@rslab/protocol';
import { circleLayout } from '../cluster/layout';
import { linkStyle, pairLinks } from '../cluster/links';
import { displayState, shortHost, stateStyle } from '../cluster/states';

const width = 320;
const height = 150;
const margin = 34;
const nodeRadius = 20;

/** The members and the links between them, drawn; the same facts are in the cards as text. */
export function Topology({ cluster }: { cluster: ClusterSnapshot }) {
  const hosts = cluster.members.map((m) => m.host);
  const positions = circleLayout(hosts, width, height, margin);
  const pairs = pairLinks(cluster.links);
  const summary = pairs.map((p) => `${shortHost(p.from, hosts)} to ${shortHost(p.to, hosts)} ${linkStyle(p).label}`).join('; ');
  return (
    <svg className="topology" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Links: ${summary || 'none'}`}>
      {pairs.map((pair) => {
        const from = positions.get(pair.from);
        const to = positions.get(pair.to);
        if (!from || !to) return null;
        const style = linkStyle(pair);
        return (
          <line
            key={`${pair.from}-${pair.to}`}
            className={`link link-${pair.status}`}
            x1={from.x}
            y1={from.y}
            x2={to.x}
            y2={to.y}
            stroke={style.stroke}
            strokeWidth={style.width}
            strokeDasharray={style.dash}
          />
        );
      })}
      {cluster.members.map((member) => {
        const p = positions.get(member.host);
        if (!p) return null;
        const state = displayState(member);
        const color = `var(${stateStyle(state).colorVar})`;
        return (
          <g key={member.host} transform={`translate(${p.x} ${p.y})`} className="topo-node">
            <circle r={nodeRadius} fill="var(--panel)" stroke={color} strokeWidth={3} />
            <text textAnchor="middle" dy="0.35em" className="topo-port">
              {shortHost(member.host, hosts)}
            </text>
            <text textAnchor="middle" y={nodeRadius + 12} className="topo-state" fill={color}>
              {state}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
