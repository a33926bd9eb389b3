import type { LabClient } from '../app/labClient';
import { selectNotice, selectStatus, useLab } from '../store/lab';
import { FontSizeControl } from './FontSizeControl';
import { TerminalPane } from './TerminalPane';

const statusText = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…' } as const;

export function App({ client }: { client: LabClient }) {
  const status = useLab(selectStatus);
  const notice = useLab(selectNotice);
  return (
    <div className="app">
      <header className="app-header">
        <h1>Replica Set Lab</h1>
        <span className={`status status-${status}`} role="status" aria-live="polite">
          {statusText[status]}
        </span>
        <FontSizeControl client={client} />
      </header>
      {notice && (
        <div className="notice" role="alert">
          {notice}
        </div>
      )}
      <main className="panes">
        <TerminalPane client={client} />
      </main>
    </div>
  );
}
