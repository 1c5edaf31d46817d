import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JsonSchema } from './json-schema';
import { childPointer, fieldId } from './json-pointer';
import { useFormContext } from './form-context';
import { applyFix, describeFix, GeoFailure, geoFailureMessage, holdsFix, locate, type GeoFix, type GeoRoles } from './geo';

type Phase = { state: 'idle' } | { state: 'locating' } | { state: 'fixed'; fix: GeoFix } | { state: 'failed'; message: string };

/**
 * "Use my location" on a geo object: asks the platform for one high-accuracy fix and fills the
 * object's latitude, longitude, accuracy and time-of-fix properties. The fields stay editable; the
 * status line (a polite live region) says what is happening and when the fix was taken.
 */
export function GeoControl({
  schema,
  roles,
  value,
  onChange,
  path,
  label,
}: {
  schema: JsonSchema;
  roles: GeoRoles;
  value: unknown;
  onChange(v: unknown): void;
  path: string;
  label: string;
}) {
  const { t } = useTranslation('capture');
  const { touch } = useFormContext();
  const [phase, setPhase] = useState<Phase>({ state: 'idle' });
  // A fix that arrives after the form went away (submitted, another contract) is dropped.
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);
  // The latest value, so a fix that arrives after the person typed elsewhere in the group keeps that.
  const latest = useRef(value);
  latest.current = value;

  async function use() {
    setPhase({ state: 'locating' });
    try {
      const fix = await locate(typeof navigator === 'undefined' ? undefined : navigator.geolocation);
      if (!live.current) return;
      onChange(applyFix(latest.current, schema, roles, fix));
      for (const k of [roles.lat, roles.lon, roles.accuracy]) if (k) touch(childPointer(path, k));
      setPhase({ state: 'fixed', fix });
    } catch (e) {
      if (!live.current) return;
      setPhase({ state: 'failed', message: e instanceof GeoFailure ? e.message : geoFailureMessage('unavailable') });
    }
  }

  const id = `${fieldId(path)}-geo`;
  const busy = phase.state === 'locating';
  let status = '';
  if (phase.state === 'locating') status = t('geo.locating');
  else if (phase.state === 'fixed') status = describeFix(phase.fix, !holdsFix(value, schema, roles, phase.fix));
  else if (phase.state === 'failed') status = phase.message;
  return (
    <div className="geo-control">
      <button
        type="button"
        className="secondary small-btn"
        aria-describedby={`${id}-status`}
        aria-busy={busy || undefined}
        disabled={busy}
        onClick={() => void use()}
        title={t('geo.useTitle', { label })}
      >
        {t('geo.use')}
      </button>
      <span
        id={`${id}-status`}
        role="status"
        aria-live="polite"
        data-geo-state={phase.state}
        className={phase.state === 'failed' ? 'geo-status error' : 'geo-status muted small'}
      >
        {status}
      </span>
    </div>
  );
}
