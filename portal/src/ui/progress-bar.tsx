// Portal UI: one labelled progress bar (sealing, uploading, downloading, opening), announced politely.
import { useText } from '../i18n/use-text.tsx';

export interface ProgressState {
  readonly label: string;
  readonly done: number;
  readonly total: number;
}

export function ProgressBar({ progress }: { progress: ProgressState }) {
  const { bytes } = useText();
  const percent =
    progress.total > 0 ? Math.min(100, Math.floor((progress.done / progress.total) * 100)) : 100;
  return (
    <div className="progress">
      <label>
        <span>
          {progress.label} — {bytes(progress.done)} / {bytes(progress.total)} ({percent}%)
        </span>
        <progress max={100} value={percent} />
      </label>
    </div>
  );
}
