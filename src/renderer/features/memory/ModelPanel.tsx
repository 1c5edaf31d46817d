import { useTranslation } from 'react-i18next';
import type { ModelSlotStatus, ModelStatus } from '../../../shared/memory/types';
import { bytes, num } from '../../ui/format';
import { BACKEND_TEXT, armText, fallbackText, loadPercent } from './memory';
import { useMemory } from './memory-store';

const STATE_CLS: Record<ModelSlotStatus['state'], string> = { none: '', loading: 'badge-version', ready: 'badge-ok', error: 'badge-error' };
const SLOTS: (keyof ModelStatus)[] = ['text', 'embedding'];

const dash = <span className="muted">—</span>;

function Slot({ slot, title, label, name }: { slot: ModelSlotStatus; title: string; label: string; name: string }) {
  const { t } = useTranslation('memory');
  const pct = loadPercent(slot.loadProgress);
  return (
    <section className="model-slot stack" aria-label={label} data-testid="model-slot" data-slot={name} data-arm={slot.arm} data-state={slot.state}>
      <header className="card-head">
        <h4>{title}</h4>
        <span className={`badge ${STATE_CLS[slot.state]}`} data-testid="model-state">
          {t(`models.state.${slot.state}`)}
        </span>
      </header>
      <p className={`small model-arm ${slot.arm === 'fallback' ? 'warn' : ''}`} data-testid="model-arm">
        <strong>{armText(slot)}</strong>
        {slot.arm === 'fallback' && <span className="mono muted"> ({slot.id})</span>}
      </p>
      {slot.state === 'loading' && (
        <div className="model-progress">
          {/* No value while the fraction is unknown: an indeterminate bar. */}
          <progress aria-label={t('models.progress')} max={1} value={pct === null ? undefined : pct / 100} />
          <span className="small">{pct === null ? t('models.loading') : t('models.percent', { p: pct / 100 })}</span>
        </div>
      )}
      <dl className="figures small">
        <div>
          <dt>{t('models.backend')}</dt>
          <dd>{slot.backend ? BACKEND_TEXT[slot.backend] : dash}</dd>
        </div>
        <div>
          <dt>{t('models.device')}</dt>
          <dd>{slot.device ?? dash}</dd>
        </div>
        <div>
          <dt>{t('models.vram')}</dt>
          <dd>{slot.vramBytes === null ? dash : bytes(slot.vramBytes)}</dd>
        </div>
        <div>
          <dt>{t('models.layers')}</dt>
          <dd>{slot.offloadedLayers ?? dash}</dd>
        </div>
        <div>
          <dt>{t('models.speed')}</dt>
          <dd>
            {slot.tokensPerSecond === null
              ? dash
              : t('models.speedValue', { n: num(slot.tokensPerSecond, { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false }) })}
          </dd>
        </div>
        <div>
          <dt>{t('models.fallbackReason')}</dt>
          <dd data-testid="model-fallback-reason">{fallbackText(slot) ?? dash}</dd>
        </div>
      </dl>
    </section>
  );
}

/** The text and embedding model slots: which arm serves each, where it runs, how fast; reload. */
export function ModelPanel() {
  const { t } = useTranslation('memory');
  const { models, modelsError, reloading, reloadModels } = useMemory();
  return (
    <section className="card stack model-status" aria-label={t('models.label')} data-testid="model-status">
      <header className="card-head">
        <strong>{t('models.title')}</strong>
        <span className="row-actions">
          {reloading && (
            <span className="small muted" role="status">
              {t('models.reloading')}
            </span>
          )}
          <button type="button" className="secondary small-btn" onClick={() => void reloadModels()} disabled={reloading} aria-busy={reloading}>
            {t('models.reload')}
          </button>
        </span>
      </header>
      {modelsError && (
        <p className="small error" role="alert" data-testid="models-error">
          {t('models.unavailable', { error: modelsError })}
        </p>
      )}
      {models
        ? SLOTS.map((s) => <Slot key={s} name={s} slot={models[s]} title={t(`models.slot.${s}.title`)} label={t(`models.slot.${s}.label`)} />)
        : !modelsError && <p className="small muted">{t('models.loading')}</p>}
    </section>
  );
}
