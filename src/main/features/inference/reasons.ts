// Why a model slot is not on a GPU or not on its model (issue 21, decision 0030): each reason is kept
// twice, as the English sentence logs and the health summary use (`fallbackReason`) and as a code with
// params the Memory view renders in the user's language (`fallbackWhy`, namespace `models`). Text that
// comes from outside the app (a driver's or a runtime's first error line) travels as the `detail` param.
import { msg, type Message, type MessageParams } from '../../../shared/messages';

export interface FallbackReason {
  fallbackReason: string;
  fallbackWhy: Message;
}

const reason = (fallbackReason: string, code: string, params?: MessageParams): FallbackReason => ({
  fallbackReason,
  fallbackWhy: msg(`models.${code}`, params),
});

/** gpu: false was asked for (not a GPU failure). */
export const GPU_DISABLED = reason('GPU disabled by configuration', 'fallback.gpu_disabled');
/** gpu 'auto' found no usable GPU backend (a CPU-only machine, or no driver); not a GPU failure either. */
export const NO_GPU = reason('no GPU backend (cuda, vulkan, metal) is usable on this machine', 'fallback.no_gpu');
export const NO_TEXT_MODEL = reason('no verified text model bundle is installed', 'fallback.no_text_model');
export const NO_EMBEDDING_MODEL = reason('no verified embedding model bundle is installed', 'fallback.no_embedding_model');

export const gpuInitFailed = (detail: string): FallbackReason => reason(`GPU backend failed to initialise: ${detail}`, 'fallback.gpu_init_failed', { detail });

export const noVramLayers = (backend: string): FallbackReason => reason(`no layers fit in free VRAM on ${backend}`, 'fallback.no_vram_layers', { backend });

export const gpuLoadFailed = (backend: string, detail: string): FallbackReason =>
  reason(`model failed to load on ${backend}: ${detail}`, 'fallback.gpu_load_failed', { backend, detail });

/** An execution provider this onnxruntime-node build does not have. */
export const providerNotInBuild = (ep: string, platform: string): FallbackReason =>
  reason(`${ep}: not in this onnxruntime-node build for ${platform}`, 'provider.not_in_build', { ep, platform });

/** The CUDA provider's library, which the npm package does not ship, is missing. */
export const providerNotInstalled = (lib: string): FallbackReason =>
  reason(`cuda: the CUDA execution provider (${lib}) is not installed with onnxruntime-node`, 'provider.not_installed', { lib });

/** An execution provider failed to create the session (`detail`: onnxruntime's first line). */
export const providerFailed = (ep: string, detail: string): FallbackReason => reason(`${ep}: ${detail}`, 'provider.error', { ep, detail });

/**
 * The embedder's execution providers that were tried before the one it runs on: one keeps its own
 * code; several are joined (`cuda: …; dml: …`) into the `detail` of one, as a message cannot hold a list.
 */
export function providersFailed(list: readonly FallbackReason[]): FallbackReason {
  if (list.length === 1) return list[0]!;
  const detail = list.map((r) => r.fallbackReason).join('; ');
  return reason(detail, 'fallback.providers', { detail });
}

/** A model could not be loaded at all: the slot is on its fallback. */
export const loadFailed = (model: string, detail: string): FallbackReason =>
  reason(`${model} failed to load: ${detail}`, 'load_failed.error', { model, detail });

/** The embedding model failed one of the embedder's checks (EmbedderLoadError); `why` names it. */
export const embedderFailed = (model: string, why: EmbedderFailure): FallbackReason =>
  reason(`${model} failed to load: ${why.text}`, `load_failed.${why.key}`, { model, ...why.params });

/** Why an embedding model cannot be used, without the model's id: the English and the key under `models.load_failed`. */
export interface EmbedderFailure {
  text: string;
  key: 'error' | 'not_onnx' | 'no_tokenizer' | 'tokenizer_unreadable' | 'missing_inputs' | 'no_outputs' | 'does_not_run' | 'dimensions';
  params?: MessageParams;
}
