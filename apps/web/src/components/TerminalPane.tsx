import { useEffect, useRef } from 'react';
import type { LabClient } from '../app/labClient';
import { tabLabel } from '../lesson/shells';
import { selectActiveTab, selectInputLocked, selectPast, selectTabs, useLab } from '../store/lab';
import { pastTerminalText } from '../timeline/rewind';

export function TerminalPane({ client }: { client: LabClient }) {
  const tabs = useLab(selectTabs);
  const active = useLab(selectActiveTab);
  const locked = useLab(selectInputLocked);
  const pastAt = useLab(selectPast)?.at ?? null;
  // Every tab shows the moment the page views (controller.showMoment), not only the one on screen.
  useEffect(() => {
    for (const controller of client.controllers.values()) controller.showMoment(pastAt);
  }, [client, pastAt, tabs]);
  return (
    <section className="terminal-pane" aria-label="Terminals">
      <div className="tab-bar" role="tablist" aria-label="Shells">
        {tabs.map((tab, index) => (
          <button
            key={tab.id}
            type="button"
            role="tab"
            aria-selected={tab.id === active}
            className="tab"
            title={index === 0 ? 'The shell for the servers: mongod, ps, kill' : index === 1 ? 'The shell for the client: python or mongosh' : undefined}
            onClick={() => client.activate(tab.id)}
          >
            {tabLabel(index)}
          </button>
        ))}
        {!locked && (
          // The lessons call it "+ client shell" until the client shell is open; after that it opens one more.
          <button
            type="button"
            className="tab tab-new"
            aria-label={tabs.length === 1 ? 'New shell: + client shell' : 'New shell'}
            title={tabs.length === 1 ? 'Open the client shell' : 'Open another shell'}
            onClick={() => client.openTab()}
          >
            {tabs.length === 1 ? '+ client shell' : '+'}
          </button>
        )}
        {!locked && active && tabs.length > 1 && (
          <button type="button" className="tab tab-close" aria-label="Close this shell" onClick={() => client.closeTab(active)}>
            ×
          </button>
        )}
        {!locked && pastAt === null && <span className="terminal-hint">Esc then Tab leaves the terminal</span>}
      </div>
      {pastAt !== null && (
        <p className="terminal-locked terminal-past" role="status" aria-label="Terminal shows the past">
          {pastTerminalText(pastAt)}
        </p>
      )}
      {locked && (
        <p className="terminal-locked" role="status" aria-label="Terminal is read-only">
          {locked}
        </p>
      )}
      {active && <TerminalView key={active} client={client} tabId={active} locked={locked !== null} past={pastAt !== null} />}
    </section>
  );
}

function TerminalView({ client, tabId, locked, past }: { client: LabClient; tabId: string; locked: boolean; past: boolean }) {
  // xterm goes in an unpadded inner box: the fit addon sizes the terminal from its parent's CSS
  // width, which for the padded, bordered (border-box) host would count the padding and border
  // as room for text and push the last column under the scrollbar.
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    client.controllers.get(tabId)?.setInputLocked(locked);
  }, [client, tabId, locked]);
  useEffect(() => {
    const controller = client.controllers.get(tabId);
    const element = host.current;
    if (!controller || !element) return;
    controller.attach(element);
    controller.focus();
    const observer = new ResizeObserver(() => controller.fitToContainer());
    observer.observe(element);
    return () => observer.disconnect();
  }, [client, tabId]);
  return (
    <div className={`terminal-host${past ? ' terminal-host-past' : ''}`} role="region" aria-label="Terminal">
      <div ref={host} className="terminal-mount" />
    </div>
  );
}
