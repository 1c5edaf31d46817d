// The inference service: the text model and the embedder of the active, verified model bundles
// (bundles/models.ts), with the no-model fallbacks when there are none. Load and reload follow the
// bundle store (a new, activated or quarantined model bundle reloads its slot). A GPU failure falls
// back to the CPU; the reason is in the status and in a decision card.
import type { BundleService } from '../bundles/api';
import { verifiedModels, type VerifiedModel } from '../bundles/models';
import type { Logger } from '../../platform/util/logger';
import type { EventBus } from '../../platform/events';
import type { ModelSlotStatus, ModelStatus } from '../../../shared/memory/types';
import type { Embedder, InferenceService, TextModel } from './api';
import { hashedNgramEmbedder } from './hashed-ngram';
import { GPU_DISABLED_REASON, NO_GPU_REASON, loadTextModel } from './llama';
import { EmbedderLoadError, loadOnnxEmbedder } from './embedder';

export type { Embedder, GenerateRequest, GenerateResult, InferenceService, TextModel } from './api';

export const FALLBACK_TEXT_ID = 'extractive@1';

const idle = (id: string, reason: string | null): ModelSlotStatus => ({
  arm: 'fallback',
  id,
  state: 'none',
  backend: null,
  device: null,
  vramBytes: null,
  offloadedLayers: null,
  tokensPerSecond: null,
  fallbackReason: reason,
  loadProgress: null,
});

export interface InferenceDeps {
  bundles: Pick<BundleService, 'activeOfKind' | 'subscribe'>;
  logger: Logger;
  events?: EventBus;
  /** A GPU load failure fell back to the CPU: record it (a decision card). */
  onGpuFallback?: (model: string, reason: string) => void;
  /** Dimension of the hashed n-gram fallback (and of vectors when no model is installed). */
  fallbackDimension?: number;
  gpu?: 'auto' | false;
  /** The embedder changed (memory re-embeds its items). */
  onEmbedderChanged?: (id: string) => void;
}

export function createInferenceService(d: InferenceDeps): InferenceService {
  const fallbackEmbedder = hashedNgramEmbedder(d.fallbackDimension ?? 384);
  let text: TextModel | null = null;
  let embed: Embedder = fallbackEmbedder;
  let status: ModelStatus = {
    text: idle(FALLBACK_TEXT_ID, 'no verified text model bundle is installed'),
    embedding: { ...idle(fallbackEmbedder.id, 'no verified embedding model bundle is installed'), state: 'ready', backend: 'cpu' },
  };
  const publish = () => d.events?.emit('models.status', status);
  let loading: Promise<ModelStatus> | null = null;

  async function loadText(m: VerifiedModel | undefined): Promise<void> {
    const old = text;
    text = null;
    await old?.close().catch(() => undefined);
    if (!m) {
      status = { ...status, text: idle(FALLBACK_TEXT_ID, 'no verified text model bundle is installed') };
      return;
    }
    status = { ...status, text: { ...idle(`${m.bundle}@${m.version}`, null), arm: 'model', state: 'loading', loadProgress: 0 } };
    publish();
    try {
      const r = await loadTextModel(m, {
        gpu: d.gpu ?? 'auto',
        logger: d.logger,
        onProgress: (p) => {
          status = { ...status, text: { ...status.text, loadProgress: p } };
          publish();
        },
      });
      text = r.model;
      status = { ...status, text: r.status };
      // A card only when a GPU was there and failed (not for CPU-only machines or gpu: false).
      const reason = r.status.fallbackReason;
      if (reason && r.status.backend === 'cpu' && reason !== GPU_DISABLED_REASON && reason !== NO_GPU_REASON)
        d.onGpuFallback?.(`${m.bundle}@${m.version}`, reason);
    } catch (e) {
      d.logger.error('text model failed to load', { code: 'MODEL_LOAD_FAILED', model: `${m.bundle}@${m.version}`, err: (e as Error).message });
      status = { ...status, text: { ...idle(FALLBACK_TEXT_ID, `${m.bundle}@${m.version} failed to load: ${(e as Error).message}`), state: 'error' } };
    }
  }

  async function loadEmbedder(m: VerifiedModel | undefined): Promise<void> {
    const old = embed;
    if (old !== fallbackEmbedder) await (old as Embedder & { close?: () => Promise<void> }).close?.().catch(() => undefined);
    if (!m) {
      embed = fallbackEmbedder;
      status = { ...status, embedding: { ...idle(fallbackEmbedder.id, 'no verified embedding model bundle is installed'), state: 'ready', backend: 'cpu' } };
      return;
    }
    status = { ...status, embedding: { ...idle(`${m.bundle}@${m.version}`, null), arm: 'model', state: 'loading', loadProgress: 0 } };
    publish();
    try {
      const r = await loadOnnxEmbedder(m, { logger: d.logger });
      embed = r.embedder;
      status = { ...status, embedding: r.status };
    } catch (e) {
      d.logger.error('embedding model failed to load', { code: 'MODEL_LOAD_FAILED', model: `${m.bundle}@${m.version}`, err: (e as Error).message });
      embed = fallbackEmbedder;
      const why = e instanceof EmbedderLoadError ? e.fallbackReason : (e as Error).message;
      status = { ...status, embedding: { ...idle(fallbackEmbedder.id, `${m.bundle}@${m.version} failed to load: ${why}`), state: 'error', backend: 'cpu' } };
    }
  }

  const running = new Map<string, Set<AbortController>>();
  const svc: InferenceService = {
    signalFor(runId) {
      const c = new AbortController();
      const set = running.get(runId) ?? new Set<AbortController>();
      set.add(c);
      running.set(runId, set);
      return {
        signal: c.signal,
        done: () => {
          set.delete(c);
          if (!set.size) running.delete(runId);
        },
      };
    },
    abort(runId) {
      let n = 0;
      for (const [id, set] of running) {
        if (runId !== undefined && id !== runId) continue;
        for (const c of set) {
          c.abort(new Error('aborted from the UI'));
          n++;
        }
      }
      return n;
    },
    text: () => text,
    embedder: () => embed,
    // tokens/s is measured by the model on each generation: read it live.
    status: () => {
      const live = (text as (TextModel & { status?: () => ModelSlotStatus }) | null)?.status?.();
      return live ? { ...status, text: { ...status.text, tokensPerSecond: live.tokensPerSecond } } : status;
    },
    reload() {
      // One load at a time; a reload asked for while loading waits for it, then loads again.
      const run = async (): Promise<ModelStatus> => {
        // The newest version of each role (by bundle name order for ties) is used.
        const pick = (role: 'text' | 'embedding') => verifiedModels(d.bundles, role).sort((a, b) => a.bundle.localeCompare(b.bundle))[0];
        const t = pick('text');
        const e = pick('embedding');
        if (`${t?.bundle}@${t?.version}` !== (text?.id ?? 'undefined@undefined') || !text) await loadText(t);
        if ((e ? `${e.bundle}@${e.version}` : fallbackEmbedder.id) !== embed.id) {
          const before = embed.id;
          await loadEmbedder(e);
          if (embed.id !== before) d.onEmbedderChanged?.(embed.id);
        }
        publish();
        return status;
      };
      loading = (loading ?? Promise.resolve(status)).then(run, run);
      return loading;
    },
    async close() {
      await loading?.catch(() => undefined);
      svc.abort();
      await text?.close().catch(() => undefined);
      text = null;
      if (embed !== fallbackEmbedder) await (embed as Embedder & { close?: () => Promise<void> }).close?.().catch(() => undefined);
    },
  };
  d.bundles.subscribe((c) => {
    // Cheap when nothing changed: a slot reloads only when its verified model differs.
    if (c.change !== 'verified') void svc.reload();
  });
  return svc;
}
