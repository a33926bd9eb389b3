import type { LabClient } from '../app/labClient';
import { fontSizeMax, fontSizeMin, selectFontSize, useLab } from '../store/lab';

export function FontSizeControl({ client }: { client: LabClient }) {
  const size = useLab(selectFontSize);
  return (
    <div className="font-size" role="group" aria-label="Terminal font size">
      <button type="button" aria-label="Smaller text" disabled={size <= fontSizeMin} onClick={() => client.setFontSize(size - 1)}>
        A−
      </button>
      <span aria-live="polite">{size}px</span>
      <button type="button" aria-label="Larger text" disabled={size >= fontSizeMax} onClick={() => client.setFontSize(size + 1)}>
        A+
      </button>
    </div>
  );
}
