// Files on their way into a photo field: the hook that sends them one by one (with progress and
// cancel), the drop-and-paste zone, and the progress rows.
import { useRef, useState, type ClipboardEvent, type DragEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { bytes, errorMessage, seconds } from '../../../ui/format';
import { isCancel } from '../ingest';
import { useFormContext } from './form-context';

export interface UploadRow {
  key: number;
  name: string;
  sent: number;
  total: number;
  speed: number;
  etaSeconds: number | null;
  cancel(): void;
}

/** Send files to the field at `path`; `onRefs` gets the references of those stored, once all are done. */
export function usePhotoUpload(path: string, onRefs: (refs: string[]) => void) {
  const { t } = useTranslation('capture');
  const { uploadPhoto } = useFormContext();
  const [rows, setRows] = useState<UploadRow[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const next = useRef(0);
  const patch = (key: number, p: Partial<UploadRow>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...p } : r)));

  async function add(files: File[]) {
    if (files.length === 0) return;
    setErrors([]);
    const queued = files.map((f) => {
      const ctrl = new AbortController();
      const row: UploadRow = {
        key: next.current++,
        name: f.name || t('upload.pastedFile'),
        sent: 0,
        total: f.size,
        speed: 0,
        etaSeconds: null,
        cancel: () => ctrl.abort(),
      };
      return { f, ctrl, row };
    });
    setRows((rs) => [...rs, ...queued.map((q) => q.row)]);
    const refs: string[] = [];
    for (const { f, ctrl, row } of queued) {
      try {
        if (!ctrl.signal.aborted) refs.push(await uploadPhoto(f, { path, signal: ctrl.signal, onProgress: (p) => patch(row.key, p) }));
      } catch (e) {
        if (!isCancel(e)) setErrors((es) => [...es, errorMessage(e)]);
      } finally {
        setRows((rs) => rs.filter((r) => r.key !== row.key));
      }
    }
    if (refs.length) onRefs(refs);
  }
  return { busy: rows.length > 0, rows, errors, add };
}

/** One file's progress: a labelled progressbar, bytes, speed, time left, and Cancel. */
function UploadProgressRow({ row }: { row: UploadRow }) {
  const { t } = useTranslation('capture');
  const pct = row.total ? Math.floor((row.sent / row.total) * 100) : 0;
  return (
    <li className="upload-row">
      <span className="upload-name">{row.name}</span>
      <div
        className="upload-bar"
        role="progressbar"
        aria-label={t('upload.storing', { name: row.name })}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={t('upload.progress', { sent: bytes(row.sent), total: bytes(row.total) })}
      >
        <div className="upload-fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="muted small">
        {t('upload.progress', { sent: bytes(row.sent), total: bytes(row.total) })}
        {row.speed > 0 && <> · {t('upload.speed', { speed: bytes(Math.round(row.speed)) })}</>}
        {row.etaSeconds !== null && <> · {t('upload.left', { time: seconds(row.etaSeconds) })}</>}
      </span>
      <button type="button" className="secondary small-btn" aria-label={t('upload.cancelLabel', { name: row.name })} onClick={row.cancel}>
        {t('upload.cancel')}
      </button>
    </li>
  );
}

export function UploadList({ rows, errors }: { rows: UploadRow[]; errors: string[] }) {
  const { t } = useTranslation('capture');
  return (
    <>
      {rows.length > 0 && (
        <ul className="upload-list" aria-label={t('upload.listLabel')}>
          {rows.map((r) => (
            <UploadProgressRow key={r.key} row={r} />
          ))}
        </ul>
      )}
      {errors.map((e, i) => (
        <p key={i} className="error" role="alert">
          {e}
        </p>
      ))}
    </>
  );
}

/** Drop files here or paste them (focus it, then Ctrl/Cmd+V); the file input stays for keyboard and pointer. */
export function DropZone({ label, disabled, onFiles, children }: { label: string; disabled: boolean; onFiles(files: File[]): void; children: ReactNode }) {
  const { t } = useTranslation('capture');
  const [over, setOver] = useState(false);
  const take = (list: FileList | null | undefined) => {
    const files = [...(list ?? [])];
    if (!disabled && files.length) onFiles(files);
  };
  return (
    <div
      className={over ? 'drop-zone drop-over' : 'drop-zone'}
      tabIndex={0}
      aria-label={t('upload.dropLabel', { label })}
      data-testid="drop-zone"
      onDragOver={(e: DragEvent) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e: DragEvent) => {
        e.preventDefault();
        setOver(false);
        take(e.dataTransfer?.files);
      }}
      onPaste={(e: ClipboardEvent) => {
        if (e.clipboardData?.files.length) {
          e.preventDefault();
          take(e.clipboardData.files);
        }
      }}
    >
      {children}
      <span className="muted small">{t(disabled ? 'upload.noRoom' : 'upload.dropHint')}</span>
    </div>
  );
}
