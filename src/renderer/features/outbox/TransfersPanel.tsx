// Attachment uploads (and downloads) per file: bytes, speed, ETA, state, pause/resume
// (channels transfers.*, event transfers.progress; decision 0020).
import { useEffect, useState } from 'react';
import type { Transfer } from '../../../shared/api/types';
import { call, onEvent } from '../../api/client';
import { bytes, seconds } from '../../ui/format';

const keyOf = (t: Transfer) => `${t.direction}:${t.hash}`;

function TransferRow({ t, onError }: { t: Transfer; onError: (m: string) => void }) {
  const act = (ch: 'transfers.pause' | 'transfers.resume') => void call(ch, { hash: t.hash }).catch((e: Error) => onError(e.message));
  const pct = t.totalBytes > 0 ? Math.round((t.doneBytes / t.totalBytes) * 100) : 0;
  return (
    <li className="transfer" data-testid="transfer" data-state={t.state} data-hash={t.hash}>
      <span className="mono">{t.name}</span> <span className="badge">{t.direction}</span> <span className="badge">{t.state}</span>
      <progress max={100} value={pct} aria-label={`${t.name} ${t.direction} progress`} />
      <span className="small">
        {bytes(t.doneBytes)} / {bytes(t.totalBytes)}
        {t.state === 'running' && t.bytesPerSecond > 0 && ` · ${bytes(t.bytesPerSecond)}/s`}
        {t.state === 'running' && t.etaSeconds !== null && ` · ${seconds(t.etaSeconds)} left`}
        {t.message && ` · ${t.message}`}
      </span>
      {t.direction === 'upload' && (t.state === 'running' || t.state === 'waiting') && (
        <button type="button" className="secondary" onClick={() => act('transfers.pause')}>
          Pause
        </button>
      )}
      {t.direction === 'upload' && t.state === 'paused' && (
        <button type="button" onClick={() => act('transfers.resume')}>
          Resume
        </button>
      )}
    </li>
  );
}

export function TransfersPanel() {
  const [items, setItems] = useState<Transfer[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void call('transfers.list', {}).then(
      (r) => live && setItems(r.items),
      (e: Error) => live && setError(e.message),
    );
    const off = onEvent('transfers.progress', (t) =>
      setItems((prev) => {
        const rest = prev.filter((p) => keyOf(p) !== keyOf(t));
        return [t, ...rest];
      }),
    );
    return () => {
      live = false;
      off();
    };
  }, []);
  if (items.length === 0 && !error) return null;
  return (
    <article className="card" aria-label="File transfers" data-testid="transfers">
      <header className="card-head">
        <strong>Files</strong>
        <span className="badge badge-version">{items.length}</span>
      </header>
      {error && <p className="small error">{error}</p>}
      <ul className="transfers">
        {items.map((t) => (
          <TransferRow key={keyOf(t)} t={t} onError={setError} />
        ))}
      </ul>
    </article>
  );
}
