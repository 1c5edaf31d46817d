import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { RiskPolicy } from '../../../shared/risk';
import { useAdmin } from './admin-store';
import { errorMessage } from '../../ui/format';
import { useApp } from '../../app-store';

/** Each field's label is policy.field.<a>.<b> ("Offline days → medium"). */
type Field = { path: [keyof RiskPolicy, string] };
const FIELDS: Field[] = [
  { path: ['offlineDays', 'medium'] },
  { path: ['offlineDays', 'high'] },
  { path: ['offlineDays', 'critical'] },
  { path: ['pending', 'medium'] },
  { path: ['pending', 'high'] },
  { path: ['deadLetters', 'medium'] },
  { path: ['deadLetters', 'high'] },
];

const get = (p: RiskPolicy, [a, b]: Field['path']): number => (p[a] as Record<string, number>)[b]!;

/** The tenant's stale thresholds ("more than N" raises the level). Saving needs a reason and is audited. */
export function PolicyForm() {
  const { t } = useTranslation('admin');
  const { policy, savePolicy } = useAdmin();
  // The placeholder is this app's real version (system.info), not a made-up one.
  const appVersion = useApp((s) => s.info?.version);
  const [draft, setDraft] = useState<RiskPolicy | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setDraft(policy ? structuredClone(policy.policy) : null), [policy]);
  if (!policy || !draft) return null;

  const set = ([a, b]: Field['path'], v: number) => setDraft({ ...draft, [a]: { ...(draft[a] as Record<string, number>), [b]: v } } as RiskPolicy);
  async function save(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    setBusy(true);
    setError(null);
    try {
      await savePolicy(draft, reason.trim());
      setReason('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <details className="card policy" data-testid="policy-form">
      <summary>
        {t('policy.title')} <span className="muted small">{policy.custom ? t('policy.custom') : t('policy.defaults')}</span>
      </summary>
      <form className="stack" onSubmit={(e) => void save(e)}>
        <div className="policy-grid">
          {FIELDS.map((f) => (
            <label key={f.path.join('.')}>
              {t(`policy.field.${f.path.join('.')}`)}
              <input
                type="number"
                min={0}
                step={f.path[0] === 'offlineDays' ? 0.5 : 1}
                value={get(draft, f.path)}
                onChange={(e) => set(f.path, Number(e.target.value))}
                required
              />
            </label>
          ))}
          <label>
            {t('policy.latestVersion')}
            <input
              value={draft.latestAppVersion ?? ''}
              pattern="\d+\.\d+\.\d+"
              placeholder={appVersion ? t('policy.versionPlaceholder', { version: appVersion }) : undefined}
              onChange={(e) => {
                const { latestAppVersion: _old, ...rest } = draft;
                void _old;
                setDraft(e.target.value ? { ...rest, latestAppVersion: e.target.value } : rest);
              }}
            />
          </label>
        </div>
        <label>
          {t('policy.reason')}
          <input value={reason} onChange={(e) => setReason(e.target.value)} minLength={3} maxLength={500} required />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row-actions">
          <button type="submit" disabled={busy || reason.trim().length < 3}>
            {busy ? t('policy.saving') : t('policy.save')}
          </button>
        </div>
      </form>
    </details>
  );
}
