// Attachment uploads (and downloads) per file: bytes, speed, ETA, state, pause/resume
// (channels transfers.*, event transfers.progress; decision 0020).
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Transfer } from '../../../shared/api/types';
import { call, onEvent } from '../../api/client';
import { bytes, errorMessage, seconds } from '../../ui/format';
import { storedErrorText } from '../../ui/error-words';

const keyOf = (t: Transfer) => `${t.direction}:${t.hash}`;

function TransferRow({ t: x, onError }: { t: Transfer; onError: (m: string) => void }) {
  const { t } = useTranslation('outbox');
  const act = (ch: 'transfers.pause' | 'transfers.resume') => void call(ch, { hash: x.hash }).catch((e: unknown) => onError(errorMessage(e)));
  const pct = x.totalBytes > 0 ? Math.round((x.doneBytes / x.totalBytes) * 100) : 0;
  return (
    <li className="transfer" data-testid="transfer" data-state={x.state} data-hash={x.hash}>
      <span className="mono">{x.name}</span> <span className="badge">{t(`transfers.direction.${x.direction}`)}</span>{' '}
      <span className="badge">{t(`transfers.state.${x.state}`)}</span>
      <progress max={100} value={pct} aria-label={t('transfers.progress', { name: x.name, direction: x.direction })} />
      <span className="small">
        {bytes(x.doneBytes)} / {bytes(x.totalBytes)}
        {x.state === 'running' && x.bytesPerSecond > 0 && ` · ${t('transfers.speed', { rate: bytes(x.bytesPerSecond) })}`}
        {x.state === 'running' && x.etaSeconds !== null && ` · ${t('transfers.eta', { time: seconds(x.etaSeconds) })}`}
        {x.message && ` · ${storedErrorText(x.message)}`}
      </span>
      {x.direction === 'upload' && (x.state === 'running' || x.state === 'waiting') && (
        <button type="button" className="secondary" onClick={() => act('transfers.pause')}>
          {t('transfers.pause')}
        </button>
      )}
      {x.direction === 'upload' && x.state === 'paused' && (
        <button type="button" onClick={() => act('transfers.resume')}>
          {t('transfers.resume')}
        </button>
      )}
    </li>
  );
}

export function TransfersPanel() {
  const { t } = useTranslation('outbox');
  const [items, setItems] = useState<Transfer[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void call('transfers.list', {}).then(
      (r) => live && setItems(r.items),
      (e: unknown) => live && setError(errorMessage(e)),
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
    <article className="card" aria-label={t('transfers.label')} data-testid="transfers">
      <header className="card-head">
        <strong>{t('transfers.title')}</strong>
        <span className="badge badge-version">{items.length}</span>
      </header>
      {error && <p className="small error">{error}</p>}
      <ul className="transfers">
        {items.map((x) => (
          <TransferRow key={keyOf(x)} t={x} onError={setError} />
        ))}
      </ul>
    </article>
  );
}
