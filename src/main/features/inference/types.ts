// The inference surface the rest of the main process uses (AI steps, memory, health): plain types
// only, so other features may import this file. Models come only from verified bundles (the bundle
// store's verifiedModels); without one, the fallbacks serve.
import type { ModelStatus } from '../../../shared/memory/types';

export type StopReason = 'eos' | 'maxTokens' | 'timeout' | 'abort';

export interface GenerateRequest {
  prompt: string;
  system?: string;
  /** Hard cap on generated tokens. */
  maxTokens: number;
  /** Wall-time cap; generation stops (stopReason 'timeout') when reached. */
  timeoutMs: number;
  /** Abort from the UI (stopReason 'abort'). */
  signal?: AbortSignal;
  /** JSON Schema the output must satisfy (grammar-constrained generation). */
  jsonSchema?: Record<string, unknown>;
  temperature?: number;
  seed?: number;
}

export interface GenerateResult {
  text: string;
  /** Parsed output when jsonSchema was given. */
  json?: unknown;
  tokens: number;
  promptTokens: number;
  stopReason: StopReason;
  /** Bundle name@version of the model that produced it. */
  model: string;
  durationMs: number;
  tokensPerSecond: number;
}

export interface TextModel {
  readonly id: string;
  generate(req: GenerateRequest): Promise<GenerateResult>;
  countTokens(text: string): Promise<number>;
  close(): Promise<void>;
}

export interface Embedder {
  /** Bundle name@version, or `hashed-ngram@1`. */
  readonly id: string;
  readonly dimension: number;
  /** L2-normalised vectors, one per text, in order. Batches are capped inside. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /**
   * Computes on the calling thread in microseconds (the hashed n-gram fallback): memory's add()
   * embeds inline, in the item's own transaction. Otherwise (a model on its own threads) the vector
   * follows add() in a batch (features/memory/embed-behind.ts).
   */
  readonly inline?: boolean;
}

export interface InferenceService {
  /** The loaded text model, or null (AI steps then use a fallback arm). */
  text(): TextModel | null;
  /** Always available: the model's embedder, or the hashed n-gram fallback. */
  embedder(): Embedder;
  status(): ModelStatus;
  /**
   * An abort signal for generations of one run (AI steps pass it to generate); `abort` fires the
   * signals of one run, or of all runs, and returns how many were running.
   */
  signalFor(runId: string): { signal: AbortSignal; done(): void };
  abort(runId?: string): number;
  /** (Re)load from the active verified model bundles; progress via the status and events. */
  reload(): Promise<ModelStatus>;
  close(): Promise<void>;
}
