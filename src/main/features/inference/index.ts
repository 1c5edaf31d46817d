// The inference service: the text model and the embedder of the active, verified model bundles
// (bundles/models.ts), with the no-model fallbacks when there are none. Load and reload follow the
// bundle store (a new, activated or quarantined model bundle reloads its slot). A GPU failure falls
// back to the CPU; the reason is in the status and in a decision card (gpu-fallback.ts).
import type { CardRecorder, ModelBundles, VerifiedModel } from './ports';
import type { Logger } from '../../platform/util/logger';
import type { EventBus } from '../../platform/events';
import type { ModelSlotStatus, ModelStatus } from '../../../shared/memory/types';
import type { Embedder, InferenceService, TextModel } from './types';
import { hashedNgramEmbedder } from './hashed-ngram';
import { loadTextModel } from './llama';
import { EmbedderLoadError, loadOnnxEmbedder } from './embedder';
import { recordGpuFallback } from './gpu-fallback';
import { GPU_DISABLED, NO_EMBEDDING_MODEL, NO_GPU, NO_TEXT_MODEL, embedderFailed, loadFailed, type FallbackReason } from './reasons';

export { registerInferenceHealth } from './health';

export type { InferenceService, TextModel } from './types';

export const FALLBACK_TEXT_ID = 'extractive@1';

const idle = (id: string, reason: FallbackReason | null): ModelSlotStatus => ({
  arm: 'fallback',
  id,
  state: 'none',
  backend: null,
  device: null,
  vramBytes: null,
  offloadedLayers: null,
  tokensPerSecond: null,
  fallbackReason: reason?.fallbackReason ?? null,
  fallbackWhy: reason?.fallbackWhy ?? null,
  loadProgress: null,
});

export interface InferenceDeps {
  /** The verified model bundles (the bundle store). */
  bundles: ModelBundles;
  logger: Logger;
  events?: EventBus;
  /** A GPU load failure fell back to the CPU: a `model.fallback` decision card is recorded here. */
  cards?: CardRecorder;
  /** The policy version that card cites (the policy engine's). */
  policyVersion?: () => string | null;
  /** Dimension of the hashed n-gram fallback (and of vectors when no model is installed). */
  fallbackDimension?: number;
  gpu?: 'auto' | false;
  /** The embedder changed (memory re-embeds its items). */
  onEmbedderChanged?: (id: string) => void;
}

type Closable = Embedder & { close?: () => Promise<void> };

/** The inference service (see the top of this file); createInferenceService builds one. */
class LocalInference implements InferenceService {
  private readonly fallbackEmbedder: Embedder;
  private textModel: TextModel | null = null;
  private embed: Embedder;
  private current: ModelStatus;
  private loading: Promise<ModelStatus> | null = null;
  private readonly running = new Map<string, Set<AbortController>>();

  constructor(private readonly d: InferenceDeps) {
    this.fallbackEmbedder = hashedNgramEmbedder(d.fallbackDimension ?? 384);
    this.embed = this.fallbackEmbedder;
    this.current = {
      text: idle(FALLBACK_TEXT_ID, NO_TEXT_MODEL),
      embedding: { ...idle(this.fallbackEmbedder.id, NO_EMBEDDING_MODEL), state: 'ready', backend: 'cpu' },
    };
    d.bundles.subscribe((c) => {
      // Cheap when nothing changed: a slot reloads only when its verified model differs.
      if (c.change !== 'verified') void this.reload();
    });
  }

  private publish(): void {
    this.d.events?.emit('models.status', this.current);
  }

  private async loadText(m: VerifiedModel | undefined): Promise<void> {
    const old = this.textModel;
    this.textModel = null;
    await old?.close().catch(() => undefined);
    if (!m) {
      this.current = { ...this.current, text: idle(FALLBACK_TEXT_ID, NO_TEXT_MODEL) };
      return;
    }
    const id = `${m.bundle}@${m.version}`;
    this.current = { ...this.current, text: { ...idle(id, null), arm: 'model', state: 'loading', loadProgress: 0 } };
    this.publish();
    try {
      const r = await loadTextModel(m, {
        gpu: this.d.gpu ?? 'auto',
        logger: this.d.logger,
        onProgress: (p) => {
          this.current = { ...this.current, text: { ...this.current.text, loadProgress: p } };
          this.publish();
        },
      });
      this.textModel = r.model;
      this.current = { ...this.current, text: r.status };
      // A card only when a GPU was there and failed (not for CPU-only machines or gpu: false).
      const reason = r.status.fallbackReason;
      if (reason && r.status.backend === 'cpu' && reason !== GPU_DISABLED.fallbackReason && reason !== NO_GPU.fallbackReason && this.d.cards)
        recordGpuFallback(this.d.cards, id, reason, this.d.policyVersion?.() ?? null);
    } catch (e) {
      this.d.logger.error('text model failed to load', { code: 'MODEL_LOAD_FAILED', model: id, err: (e as Error).message });
      this.current = { ...this.current, text: { ...idle(FALLBACK_TEXT_ID, loadFailed(id, (e as Error).message)), state: 'error' } };
    }
  }

  private async loadEmbedder(m: VerifiedModel | undefined): Promise<void> {
    const old = this.embed;
    if (old !== this.fallbackEmbedder) await (old as Closable).close?.().catch(() => undefined);
    const fallback = this.fallbackEmbedder;
    if (!m) {
      this.embed = fallback;
      this.current = { ...this.current, embedding: { ...idle(fallback.id, NO_EMBEDDING_MODEL), state: 'ready', backend: 'cpu' } };
      return;
    }
    const id = `${m.bundle}@${m.version}`;
    this.current = { ...this.current, embedding: { ...idle(id, null), arm: 'model', state: 'loading', loadProgress: 0 } };
    this.publish();
    try {
      const r = await loadOnnxEmbedder(m, { logger: this.d.logger });
      this.embed = r.embedder;
      this.current = { ...this.current, embedding: r.status };
    } catch (e) {
      this.d.logger.error('embedding model failed to load', { code: 'MODEL_LOAD_FAILED', model: id, err: (e as Error).message });
      this.embed = fallback;
      const why = e instanceof EmbedderLoadError ? embedderFailed(id, e.why) : loadFailed(id, (e as Error).message);
      this.current = { ...this.current, embedding: { ...idle(fallback.id, why), state: 'error', backend: 'cpu' } };
    }
  }

  signalFor(runId: string): { signal: AbortSignal; done(): void } {
    const c = new AbortController();
    const set = this.running.get(runId) ?? new Set<AbortController>();
    set.add(c);
    this.running.set(runId, set);
    return {
      signal: c.signal,
      done: () => {
        set.delete(c);
        if (!set.size) this.running.delete(runId);
      },
    };
  }

  abort(runId?: string): number {
    let n = 0;
    for (const [id, set] of this.running) {
      if (runId !== undefined && id !== runId) continue;
      for (const c of set) {
        c.abort(new Error('aborted from the UI'));
        n++;
      }
    }
    return n;
  }

  text(): TextModel | null {
    return this.textModel;
  }

  embedder(): Embedder {
    return this.embed;
  }

  // tokens/s is measured by the model on each generation: read it live.
  status(): ModelStatus {
    const live = (this.textModel as (TextModel & { status?: () => ModelSlotStatus }) | null)?.status?.();
    return live ? { ...this.current, text: { ...this.current.text, tokensPerSecond: live.tokensPerSecond } } : this.current;
  }

  /** One load: the newest verified model of each role (by bundle name order for ties), when it differs from the loaded one. */
  private async loadAll(): Promise<ModelStatus> {
    const pick = (role: 'text' | 'embedding') => this.d.bundles.verifiedModels(role).sort((a, b) => a.bundle.localeCompare(b.bundle))[0];
    const t = pick('text');
    const e = pick('embedding');
    if (`${t?.bundle}@${t?.version}` !== (this.textModel?.id ?? 'undefined@undefined') || !this.textModel) await this.loadText(t);
    if ((e ? `${e.bundle}@${e.version}` : this.fallbackEmbedder.id) !== this.embed.id) {
      const before = this.embed.id;
      await this.loadEmbedder(e);
      if (this.embed.id !== before) this.d.onEmbedderChanged?.(this.embed.id);
    }
    this.publish();
    return this.current;
  }

  reload(): Promise<ModelStatus> {
    // One load at a time; a reload asked for while loading waits for it, then loads again.
    const run = () => this.loadAll();
    this.loading = (this.loading ?? Promise.resolve(this.current)).then(run, run);
    return this.loading;
  }

  async close(): Promise<void> {
    await this.loading?.catch(() => undefined);
    this.abort();
    await this.textModel?.close().catch(() => undefined);
    this.textModel = null;
    if (this.embed !== this.fallbackEmbedder) await (this.embed as Closable).close?.().catch(() => undefined);
  }
}

/** A plain object of the service's functions (callers may spread it to replace one, as tests do). */
export function createInferenceService(d: InferenceDeps): InferenceService {
  const s = new LocalInference(d);
  return {
    signalFor: (runId) => s.signalFor(runId),
    abort: (runId) => s.abort(runId),
    text: () => s.text(),
    embedder: () => s.embedder(),
    status: () => s.status(),
    reload: () => s.reload(),
    close: () => s.close(),
  };
}
