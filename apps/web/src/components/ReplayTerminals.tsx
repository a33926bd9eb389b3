import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import type { ReplayTerminal } from '@rslab/protocol';
import { TranscriptPlayback } from '../terminal/transcript';
import { replayTerminalText } from '../replay/player';
import { selectFontSize, useLab } from '../store/lab';

/**
 * A saved replay's terminals (issue 19), read-only: each tab shows what the saving page had drawn
 * by the replay's moment `at`, as the play scrubs and runs. Nothing typed here goes anywhere.
 */
export function ReplayTerminals({ terminals, at }: { terminals: readonly ReplayTerminal[]; at: number }) {
  const [active, setActive] = useState(0);
  const shown = terminals[Math.min(active, terminals.length - 1)];
  if (!shown) return null;
  return (
    <section className="terminal-pane replay-terminal-pane" aria-label="Terminals">
      <div className="tab-bar" role="tablist" aria-label="Shells">
        {terminals.map((terminal, index) => (
          <button key={index} type="button" role="tab" aria-selected={terminal === shown} className="tab" onClick={() => setActive(index)}>
            {terminal.label}
          </button>
        ))}
      </div>
      <p className="terminal-locked terminal-past" role="status" aria-label="Terminal is read-only">
        {replayTerminalText(at, (shown.chunksDropped ?? 0) > 0)}
      </p>
      <ReplayTerminalView key={active} terminal={shown} at={at} />
    </section>
  );
}

function ReplayTerminalView({ terminal, at }: { terminal: ReplayTerminal; at: number }) {
  const host = useRef<HTMLDivElement>(null);
  const fontSize = useLab(selectFontSize);
  const view = useRef<{ term: Terminal; fit: FitAddon; playback: TranscriptPlayback } | null>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return undefined;
    const term = new Terminal({
      fontSize: useLab.getState().fontSize,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      disableStdin: true,
      cursorBlink: false,
      scrollback: 5000,
      // No cursor: nothing here takes keys.
      theme: { background: '#0f1720', foreground: '#e6edf3', cursor: 'transparent', cursorAccent: 'transparent' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(element);
    const fitNow = () => {
      try {
        fit.fit();
      } catch (error) {
        console.debug('replay terminal not fitted (hidden pane)', error);
      }
    };
    fitNow();
    view.current = { term, fit, playback: new TranscriptPlayback(terminal.chunks) };
    const observer = new ResizeObserver(fitNow);
    observer.observe(element);
    return () => {
      observer.disconnect();
      view.current = null;
      term.dispose();
    };
  }, [terminal]);
  useEffect(() => {
    const current = view.current;
    if (!current) return;
    const { reset, data } = current.playback.update(at);
    // A reset goes through the write queue (RIS, ESC c): term.reset() would act before a forward
    // write still queued, which would then land on the fresh screen (see TerminalController.redraw).
    if (reset || data) current.term.write(`${reset ? '\x1bc' : ''}${data}\x1b[?25l`);
  }, [terminal, at]);
  useEffect(() => {
    const current = view.current;
    if (!current) return;
    current.term.options.fontSize = fontSize;
    current.fit.fit();
  }, [fontSize]);
  return (
    <div className="terminal-host terminal-host-past" role="region" aria-label="Replay terminal">
      <div ref={host} className="terminal-mount" />
    </div>
  );
}
