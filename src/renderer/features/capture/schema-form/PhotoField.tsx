import { useRef, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { itemLabel } from './json-schema';
import { fieldId } from './json-pointer';
import { errorsAt } from './field-errors';
import { FieldMessages, RequiredMark } from './FieldShell';
import { useFormContext, type FieldProps } from './form-context';
import { DropZone, UploadList, usePhotoUpload } from './photo-upload';

const picked = (e: ChangeEvent<HTMLInputElement>, add: (f: File[]) => void) => {
  const files = [...(e.target.files ?? [])];
  e.target.value = '';
  add(files);
};

/** The preview of a stored photo: a data: URL from this session (the CSP allows data:, not blob:). */
function Thumb({ photoRef, alt, onRemove, removeLabel }: { photoRef: string; alt: string; onRemove(): void; removeLabel: string }) {
  const { t } = useTranslation('capture');
  const src = useFormContext().thumbnail(photoRef);
  return (
    <figure className="thumb">
      {src ? <img src={src} alt={alt} /> : <div className="thumb-missing muted small">{t('photo.noPreview')}</div>}
      <figcaption className="mono small" title={photoRef}>
        {photoRef.slice(7, 19)}…
      </figcaption>
      <button type="button" className="secondary small-btn" aria-label={removeLabel} onClick={onRemove}>
        {t('photo.remove')}
      </button>
    </figure>
  );
}

/** An array of photo references: thumbnails, Remove, and a file input that stores new ones. */
export function PhotoListField({ schema, value, onChange, path, label, required }: FieldProps) {
  const { t } = useTranslation('capture');
  const { errors } = useFormContext();
  const list = (Array.isArray(value) ? value : []).filter((x): x is string => typeof x === 'string');
  const id = fieldId(path);
  const own = errorsAt(errors, path);
  const itemErrors = errors.filter((e) => e.path.startsWith(`${path}/`));
  const room = schema.maxItems === undefined ? Infinity : schema.maxItems - list.length;
  const latest = useRef(list);
  latest.current = list;
  const { busy, rows, errors: failed, add } = usePhotoUpload(path, (refs) => onChange([...latest.current, ...refs].slice(0, schema.maxItems)));
  const remove = (i: number) => {
    const next = list.filter((_, j) => j !== i);
    onChange(next.length ? next : undefined);
  };
  return (
    <fieldset id={id} className={own.length || itemErrors.length ? 'group has-error' : 'group'} data-path={path}>
      <legend>
        {label}
        <RequiredMark required={required} />
      </legend>
      <FieldMessages id={`${id}-err`} errors={[...own, ...itemErrors]} />
      <div className="thumbs">
        {list.map((r, i) => (
          <Thumb
            key={`${r}-${i}`}
            photoRef={r}
            alt={itemLabel(label, i + 1)}
            removeLabel={t('photo.removeLabel', { item: itemLabel(label, i + 1) })}
            onRemove={() => remove(i)}
          />
        ))}
      </div>
      <DropZone label={label} disabled={room <= 0} onFiles={(f) => void add(f.slice(0, room))}>
        <label className="file-pick">
          {busy ? t('photo.storing') : t('photo.add', { label })}
          <input
            type="file"
            accept={schema.items?.contentMediaType ?? 'image/*'}
            multiple
            disabled={room <= 0}
            onChange={(e) => picked(e, (f) => void add(f.slice(0, room)))}
          />
        </label>
      </DropZone>
      {room <= 0 && <span className="muted small">{t('photo.full', { n: schema.maxItems })}</span>}
      <UploadList rows={rows} errors={failed} />
    </fieldset>
  );
}

/** A single photo reference. */
export function PhotoField({ schema, value, onChange, path, label, required }: FieldProps) {
  const { t } = useTranslation('capture');
  const { errors } = useFormContext();
  const id = fieldId(path);
  const own = errorsAt(errors, path);
  const { busy, rows, errors: failed, add } = usePhotoUpload(path, (refs) => onChange(refs[refs.length - 1]));
  return (
    <div className={own.length ? 'field field-wide has-error' : 'field field-wide'} data-path={path}>
      <div className="field-head">
        <span className="field-label">{label}</span>
        <RequiredMark required={required} />
      </div>
      {typeof value === 'string' && (
        <Thumb photoRef={value} alt={label} removeLabel={t('photo.removeLabel', { item: label })} onRemove={() => onChange(undefined)} />
      )}
      <DropZone label={label} disabled={busy} onFiles={(f) => void add(f.slice(-1))}>
        <label className="file-pick">
          {busy ? t('photo.storing') : t(typeof value === 'string' ? 'photo.replace' : 'photo.choose', { label })}
          <input id={id} type="file" accept={schema.contentMediaType ?? 'image/*'} disabled={busy} onChange={(e) => picked(e, (f) => void add(f.slice(-1)))} />
        </label>
      </DropZone>
      <FieldMessages id={`${id}-err`} errors={own} />
      <UploadList rows={rows} errors={failed} />
    </div>
  );
}
