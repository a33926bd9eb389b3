import { useEffect, useId, useMemo, useState } from 'react';
import type { ClusterSnapshot, MemberView } from '@rslab/protocol';
import type { LabClient } from '../app/labClient';
import { countdown, sandboxNow, showsCountdown } from '../cluster/countdown';
import { clockText, durationText, lagText, optimeText } from '../cluster/format';
import { heartbeatRows } from '../cluster/heartbeats';
import { cutPeers } from '../cluster/links';
import { displayState, processText, shortHost, stateStyle } from '../cluster/states';
import {
  dismissControlFailure,
  selectCluster,
  selectClusterReceivedAt,
  selectControlFailure,
  selectInputLocked,
  selectPendingControls,
  selectViewingPast,
  useLab,
} from '../store/lab';
import { Topology } from './Topology';

export const speedChoices = [0.25, 0.5, 1, 2, 5, 10] as const;
const freezeSeconds = 30;

export function ClusterPane({ client }: { client: LabClient }) {
  const cluster = useLab(selectCluster);
  const failure = useLab(selectControlFailure);
  // While the page shows the past, nothing here may change the set: one fieldset disables every control.
  const viewingPast = useLab(selectViewingPast);
  // A read-only page (following someone's sandbox) may not change it either: the server would
  // refuse every button, so they are off, with the reason said once.
  const readOnly = useLab(selectInputLocked) !== null;
  const locked = viewingPast || readOnly;
  return (
    <section className="pane cluster-pane" aria-label="Cluster">
      <div className="pane-head">
        <h2 className="pane-title">
          Cluster{cluster?.setName ? <span className="pane-meta"> replica set “{cluster.setName}”</span> : null}
        </h2>
        <fieldset className="bare-fieldset" disabled={locked} aria-label={viewingPast ? 'Clock (disabled while viewing the past)' : readOnly ? 'Clock (read-only)' : 'Clock'}>
          {cluster && <ClockControls cluster={cluster} client={client} />}
        </fieldset>
      </div>
      <fieldset className="pane-body cluster-body bare-fieldset" disabled={locked}>
        {readOnly && !viewingPast && <p className="cluster-locked">Read-only: this is someone else’s set, its buttons are off here.</p>}
        {failure && (
          <div className="control-failure" role="alert">
            <span>{failure.message}</span>
            <button type="button" className="link-button" onClick={dismissControlFailure} aria-label="Dismiss message">
              ×
            </button>
          </div>
        )}
        {!cluster || cluster.members.length === 0 ? (
          <p className="muted">
            No members yet. Start a <code>mongod</code> in the terminal and it shows up here.
          </p>
        ) : (
          <ClusterContents cluster={cluster} client={client} />
        )}
      </fieldset>
    </section>
  );
}

function ClusterContents({ cluster, client }: { cluster: ClusterSnapshot; client: LabClient }) {
  const hosts = useMemo(() => cluster.members.map((m) => m.host), [cluster.members]);
  const anyCut = cluster.links.some((l) => l.status === 'cut');
  return (
    <>
      <div className="topology-box">
        <Topology cluster={cluster} />
        <button type="button" className="heal" onClick={() => client.control('heal')} disabled={!anyCut} title="Reconnect every cut link">
          heal all links
        </button>
      </div>
      <ul className="cards">
        {cluster.members.map((member) => (
          <li key={member.host}>
            <MemberCard member={member} cluster={cluster} hosts={hosts} client={client} />
          </li>
        ))}
      </ul>
    </>
  );
}

function MemberCard({ member, cluster, hosts, client }: { member: MemberView; cluster: ClusterSnapshot; hosts: string[]; client: LabClient }) {
  const state = displayState(member);
  const style = stateStyle(state);
  const running = member.process === 'running';
  const pending = useLab(selectPendingControls);
  const busy = Object.values(pending).some((p) => p.target === member.host);
  const rows = heartbeatRows(cluster.at, member.heartbeats, member.electionTimeoutMillis);
  const others = hosts.filter((h) => h !== member.host);
  const cutOff = cutPeers(member.host, cluster.links);
  // Every action button is described by its member's host, so a screen reader says which one it stops.
  const hostId = useId();
  return (
    <article className={`card state-${state.toLowerCase()}`} aria-label={`node ${member.host}`} aria-busy={busy || undefined} style={{ ['--state-color' as string]: `var(${style.colorVar})` }}>
      <header className="card-head">
        <span className="card-host" id={hostId}>
          {member.host}
        </span>
        <span className="state-badge" title={style.meaning}>
          {state}
        </span>
      </header>
      {showsCountdown(member, cluster.members) && <ElectionCountdown member={member} cluster={cluster} />}
      <dl className="facts">
        <div>
          <dt>term</dt>
          <dd>{member.term}</dd>
        </div>
        <div>
          <dt>optime</dt>
          <dd>{optimeText(member.optime)}</dd>
        </div>
        <div>
          <dt>lag</dt>
          <dd>{lagText(member.lagMillis)}</dd>
        </div>
        <div>
          <dt>sync source</dt>
          <dd>{member.syncSource ? shortHost(member.syncSource, hosts) : '—'}</dd>
        </div>
        <div>
          <dt>process</dt>
          <dd>{processText(member)}</dd>
        </div>
        {member.state !== state && (
          <div>
            <dt>last said</dt>
            <dd>{member.state}</dd>
          </div>
        )}
      </dl>
      {rows.length > 0 && (
        <table className="heartbeats">
          <caption>heartbeats heard</caption>
          <tbody>
            {rows.map((row) => (
              <tr key={row.peer} className={row.stale ? 'stale' : undefined}>
                <th scope="row">{shortHost(row.peer, hosts)}</th>
                <td>{row.ageText}</td>
                <td>{row.ok ? 'ok' : 'failing'}</td>
                <td className="peer-state">{row.peerState}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="card-actions" role="group" aria-label={`Actions for ${member.host}`}>
        {running ? (
          <>
            <button type="button" aria-describedby={hostId} onClick={() => client.control('kill', { target: member.host })} title="SIGTERM: a clean shutdown">
              kill
            </button>
            <button type="button" aria-describedby={hostId} onClick={() => client.control('kill9', { target: member.host })} title="SIGKILL: no clean shutdown">
              kill -9
            </button>
            {state === 'PRIMARY' && (
              <button type="button" aria-describedby={hostId} onClick={() => client.control('stepDown', { target: member.host })}>
                step down
              </button>
            )}
            {state === 'SECONDARY' && (
              <button type="button" aria-describedby={hostId} onClick={() => client.control('freeze', { target: member.host, value: freezeSeconds })} title={`replSetFreeze ${freezeSeconds}: do not stand for election`}>
                freeze {freezeSeconds} s
              </button>
            )}
            {cutOff.length > 0 && (
              <button
                type="button"
                aria-describedby={hostId}
                className="reconnect"
                onClick={() => cutOff.forEach((peer) => client.control('healLink', { target: member.host, peer }))}
                title={`Heal this member's cut links (to ${cutOff.map((peer) => shortHost(peer, hosts)).join(', ')})`}
              >
                reconnect
              </button>
            )}
            {/* Still linked to someone: it can be cut off further. Only the member is named, so the
                server splits it off the partition already open (isolating two of three leaves three
                groups, as the partitions lesson's challenge asks) instead of replacing it. */}
            {cutOff.length < others.length && (
              <button type="button" aria-describedby={hostId} onClick={() => client.control('partition', { target: member.host })} title="Cut every link between this member and the others">
                isolate
              </button>
            )}
          </>
        ) : (
          <button type="button" aria-describedby={hostId} onClick={() => client.control('restart', { target: member.host })}>
            restart
          </button>
        )}
      </div>
    </article>
  );
}

/** Frames per second the countdown redraws at: smooth enough, cheap enough. */
const countdownFps = 20;

function ElectionCountdown({ member, cluster }: { member: MemberView; cluster: ClusterSnapshot }) {
  const receivedAt = useLab(selectClusterReceivedAt);
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (cluster.paused) return;
    const timer = window.setInterval(() => setNow(performance.now()), 1000 / countdownFps);
    return () => window.clearInterval(timer);
  }, [cluster.paused]);
  const value = countdown(member, sandboxNow(cluster, receivedAt, Math.max(now, receivedAt)));
  if (!value) return null;
  const seconds = durationText(value.remainingMillis);
  return (
    <div className="countdown">
      <div className="countdown-label">
        <span>election in</span>
        <span className="countdown-value">{value.remainingMillis > 0 ? seconds : 'now'}</span>
      </div>
      <div
        className="countdown-bar"
        role="progressbar"
        aria-label={`Election countdown for ${member.host}`}
        aria-valuemin={0}
        aria-valuemax={Math.round(value.totalMillis)}
        aria-valuenow={Math.round(value.remainingMillis)}
        aria-valuetext={`${seconds} until ${member.host} stands for election`}
      >
        <div className="countdown-fill" style={{ transform: `scaleX(${value.fraction})` }} />
      </div>
    </div>
  );
}

function ClockControls({ cluster, client }: { cluster: ClusterSnapshot; client: LabClient }) {
  return (
    <div className="clock" role="group" aria-label="Sandbox clock">
      <button type="button" aria-pressed={cluster.paused} onClick={() => client.control(cluster.paused ? 'resume' : 'pause')}>
        {cluster.paused ? 'resume time' : 'pause time'}
      </button>
      <label className="speed">
        speed
        <select value={String(cluster.speed)} onChange={(e) => client.control('speed', { value: Number(e.target.value) })}>
          {!speedChoices.includes(cluster.speed as (typeof speedChoices)[number]) && <option value={String(cluster.speed)}>{cluster.speed}×</option>}
          {speedChoices.map((s) => (
            <option key={s} value={String(s)}>
              {s}×
            </option>
          ))}
        </select>
      </label>
      <span className="clock-time" title="sandbox clock">{clockText(cluster.at)}</span>
    </div>
  );
}
