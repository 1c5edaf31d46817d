import type { ModelSlotStatus, ModelStatus } from '../../../shared/memory/types';
import { bytes } from '../../ui/format';
import { BACKEND_TEXT, STATE_TEXT, armText, loadPercent } from './memory';
import { useMemory } from './memory-store';

const STATE_CLS: Record<ModelSlotStatus['state'], string> = { none: '', loading: 'badge-version', ready: 'badge-ok', error: 'badge-error' };
const SLOTS: { key: keyof ModelStatus; title: string; label: string }[] = [
  { key: 'text', title: 'Text generation', label: 'Text model' },
  { key: 'embedding', title: 'Embeddings', label: 'Embedding model' },
];

const dash = <span className="muted">—</span>;

function Slot({ slot, title, label, name }: { slot: ModelSlotStatus; title: string; label: string; name: string }) {
  const pct = loadPercent(slot.loadProgress);
  return (
    <section className="model-slot stack" aria-label={label} data-testid="model-slot" data-slot={name} data-arm={slot.arm} data-state={slot.state}>
      <header className="card-head">
        <h4>{title}</h4>
        <span className={`badge ${STATE_CLS[slot.state]}`} data-testid="model-state">
          {STATE_TEXT[slot.state]}
        </span>
      </header>
      <p className={`small model-arm ${slot.arm === 'fallback' ? 'warn' : ''}`} data-testid="model-arm">
        <strong>{armText(slot)}</strong>
        {slot.arm === 'fallback' && <span className="mono muted"> ({slot.id})</span>}
      </p>
      {slot.state === 'loading' && (
        <div className="model-progress">
          {/* No value while the fraction is unknown: an indeterminate bar. */}
          <progress aria-label="Model load progress" max={1} value={pct === null ? undefined : pct / 100} />
          <span className="small">{pct === null ? 'Loading…' : `${pct}%`}</span>
        </div>
      )}
      <dl className="figures small">
        <div>
          <dt>Backend</dt>
          <dd>{slot.backend ? BACKEND_TEXT[slot.backend] : dash}</dd>
        </div>
        <div>
          <dt>Device</dt>
          <dd>{slot.device ?? dash}</dd>
        </div>
        <div>
          <dt>VRAM</dt>
          <dd>{slot.vramBytes === null ? dash : bytes(slot.vramBytes)}</dd>
        </div>
        <div>
          <dt>Offloaded layers</dt>
          <dd>{slot.offloadedLayers ?? dash}</dd>
        </div>
        <div>
          <dt>Speed</dt>
          <dd>{slot.tokensPerSecond === null ? dash : `${slot.tokensPerSecond.toFixed(1)} tokens/s`}</dd>
        </div>
        <div>
          <dt>Fallback reason</dt>
          <dd data-testid="model-fallback-reason">{slot.fallbackReason ?? dash}</dd>
        </div>
      </dl>
    </section>
  );
}

/** The text and embedding model slots: which arm serves each, where it runs, how fast; reload. */
export function ModelPanel() {
  const { models, modelsError, reloading, reloadModels } = useMemory();
  return (
    <section className="card stack model-status" aria-label="Model status" data-testid="model-status">
      <header className="card-head">
        <strong>Local models</strong>
        <span className="row-actions">
          {reloading && (
            <span className="small muted" role="status">
              Reloading…
            </span>
          )}
          <button type="button" className="secondary small-btn" onClick={() => void reloadModels()} disabled={reloading} aria-busy={reloading}>
            Reload models
          </button>
        </span>
      </header>
      {modelsError && (
        <p className="small error" role="alert" data-testid="models-error">
          Model status unavailable: {modelsError}
        </p>
      )}
      {models
        ? SLOTS.map((s) => <Slot key={s.key} name={s.key} slot={models[s.key]} title={s.title} label={s.label} />)
        : !modelsError && <p className="small muted">Loading…</p>}
    </section>
  );
}
