// Another device's attachment, fetched when opened (attachments.fetch): progress while its sealed
// chunks download, then what was verified against its digest and stored on this device.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, onEvent } from '../../api/client';
import { bytes, errorMessage } from '../../ui/format';
import { MAX_INLINE_ATTACHMENT_BYTES } from '../../../shared/api/capture';

/** A verified image small enough to show inline (larger files stay on disk, opened by size only). */
async function previewOf(hash: string, size: number): Promise<string | null> {
  if (size > MAX_INLINE_ATTACHMENT_BYTES) return null;
  const a = await call('attachments.get', { hash });
  return /^image\/(jpeg|png|gif|webp)$/.test(a.mime) ? `data:${a.mime};base64,${a.dataBase64}` : null;
}

export function AttachmentOpen({ device, hash, name, size }: { device: string; hash: string; name: string; size: number }) {
  const { t } = useTranslation('team');
  const [state, setState] = useState<'closed' | 'fetching' | 'done' | 'failed'>('closed');
  const [done, setDone] = useState(0);
  const [message, setMessage] = useState<string | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(
    () =>
      onEvent('transfers.progress', (t) => {
        if (t.direction === 'download' && t.hash === hash) setDone(t.doneBytes);
      }),
    [hash],
  );
  const open = () => {
    setState('fetching');
    call('attachments.fetch', { device, hash }).then(
      (r) => {
        setDone(r.size);
        setState('done');
        void previewOf(hash, r.size).then(setPreview, () => setPreview(null));
      },
      (e: unknown) => {
        setMessage(errorMessage(e));
        setState('failed');
      },
    );
  };
  return (
    <div className="attachment-open" data-testid="attachment-open" data-state={state}>
      <span className="mono">{name}</span> <span className="small muted">{bytes(size)}</span>{' '}
      {state === 'closed' && (
        <button type="button" onClick={open}>
          {t('attachment.open')}
        </button>
      )}
      {state === 'fetching' && <progress max={Math.max(1, size)} value={done} aria-label={t('attachment.downloading', { name })} />}
      {state === 'done' && (
        <span className="small" data-testid="attachment-verified">
          {t('attachment.verified', { hash: hash.slice(0, 12) })}
        </span>
      )}
      {state === 'done' && preview && (
        <img className="attachment-preview" src={preview} alt={t('attachment.preview', { name })} data-testid="attachment-preview" />
      )}
      {state === 'failed' && <span className="small error">{message}</span>}
    </div>
  );
}
