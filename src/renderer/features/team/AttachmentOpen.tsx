// Another device's attachment, fetched when opened (attachments.fetch): progress while its sealed
// chunks download, then what was verified against its digest and stored on this device.
import { useEffect, useState } from 'react';
import { call, onEvent } from '../../api/client';
import { bytes } from '../../ui/format';

export function AttachmentOpen({ device, hash, name, size }: { device: string; hash: string; name: string; size: number }) {
  const [state, setState] = useState<'closed' | 'fetching' | 'done' | 'failed'>('closed');
  const [done, setDone] = useState(0);
  const [message, setMessage] = useState<string | null>(null);
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
      },
      (e: Error) => {
        setMessage(e.message);
        setState('failed');
      },
    );
  };
  return (
    <div className="attachment-open" data-testid="attachment-open" data-state={state}>
      <span className="mono">{name}</span> <span className="small muted">{bytes(size)}</span>{' '}
      {state === 'closed' && (
        <button type="button" onClick={open}>
          Open
        </button>
      )}
      {state === 'fetching' && <progress max={Math.max(1, size)} value={done} aria-label={`Downloading ${name}`} />}
      {state === 'done' && (
        <span className="small" data-testid="attachment-verified">
          Verified against sha256:{hash.slice(0, 12)}… and stored on this device
        </span>
      )}
      {state === 'failed' && <span className="small error">{message}</span>}
    </div>
  );
}
