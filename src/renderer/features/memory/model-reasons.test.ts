// The model slots' fallback reasons are codes with params (models.*): in English each reads exactly as
// the sentence the main process wrote before (inference/index.ts, llama.ts, embedder.ts); Swedish has
// its own words; the Memory view shows the code's words, else the English the host sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msg, type Message } from '../../../shared/messages';
import { bundledResources, i18next, initI18n } from '../../i18n';
import { messageText } from '../../ui/message';
import { fallbackText } from './memory';

beforeAll(() => {
  initI18n('en');
});

afterAll(async () => {
  await i18next.changeLanguage('en');
});

const ID = 'model.tiny-embed@1.0.0';

/** [message, the English sentence it replaces, its Swedish]. */
const CASES: [Message, string, string][] = [
  [msg('models.fallback.no_text_model'), 'no verified text model bundle is installed', 'inget verifierat textmodellpaket är installerat'],
  [msg('models.fallback.no_embedding_model'), 'no verified embedding model bundle is installed', 'inget verifierat inbäddningsmodellpaket är installerat'],
  [msg('models.fallback.gpu_disabled'), 'GPU disabled by configuration', 'GPU avstängd i konfigurationen'],
  [
    msg('models.fallback.no_gpu'),
    'no GPU backend (cuda, vulkan, metal) is usable on this machine',
    'ingen GPU-backend (cuda, vulkan, metal) går att använda på den här datorn',
  ],
  [
    msg('models.fallback.gpu_init_failed', { detail: 'CUDA driver version is insufficient for CUDA runtime version' }),
    'GPU backend failed to initialise: CUDA driver version is insufficient for CUDA runtime version',
    'GPU-backenden kunde inte initieras: CUDA driver version is insufficient for CUDA runtime version',
  ],
  [msg('models.fallback.no_vram_layers', { backend: 'vulkan' }), 'no layers fit in free VRAM on vulkan', 'inga lager får plats i ledigt VRAM på vulkan'],
  [
    msg('models.fallback.gpu_load_failed', { backend: 'cuda', detail: 'ggml_backend_cuda_buffer_type_alloc_buffer: out of memory' }),
    'model failed to load on cuda: ggml_backend_cuda_buffer_type_alloc_buffer: out of memory',
    'modellen kunde inte läsas in på cuda: ggml_backend_cuda_buffer_type_alloc_buffer: out of memory',
  ],
  [
    msg('models.fallback.providers', { detail: 'cuda: libcudart.so.12: cannot open shared object file' }),
    'cuda: libcudart.so.12: cannot open shared object file',
    'cuda: libcudart.so.12: cannot open shared object file',
  ],
  [
    msg('models.provider.not_in_build', { ep: 'dml', platform: 'linux-x64' }),
    'dml: not in this onnxruntime-node build for linux-x64',
    'dml: finns inte i den här onnxruntime-node-versionen för linux-x64',
  ],
  [
    msg('models.provider.not_installed', { lib: 'libonnxruntime_providers_cuda.so' }),
    'cuda: the CUDA execution provider (libonnxruntime_providers_cuda.so) is not installed with onnxruntime-node',
    'cuda: CUDA-exekveringsleverantören (libonnxruntime_providers_cuda.so) är inte installerad med onnxruntime-node',
  ],
  [
    msg('models.provider.error', { ep: 'cuda', detail: 'CUDA failure 100: no CUDA-capable device is detected' }),
    'cuda: CUDA failure 100: no CUDA-capable device is detected',
    'cuda: CUDA failure 100: no CUDA-capable device is detected',
  ],
  [
    msg('models.load_failed.error', { model: 'model.tiny-text@1.0.0', detail: 'bad magic' }),
    'model.tiny-text@1.0.0 failed to load: bad magic',
    'model.tiny-text@1.0.0 kunde inte läsas in: bad magic',
  ],
  [
    msg('models.load_failed.not_onnx', { model: ID, role: 'text', format: 'gguf' }),
    `${ID} failed to load: not an ONNX embedding model (text, gguf)`,
    `${ID} kunde inte läsas in: ingen ONNX-inbäddningsmodell (text, gguf)`,
  ],
  [
    msg('models.load_failed.no_tokenizer', { model: ID }),
    `${ID} failed to load: the bundle has no tokenizer.json`,
    `${ID} kunde inte läsas in: paketet saknar tokenizer.json`,
  ],
  [
    msg('models.load_failed.tokenizer_unreadable', { model: ID, detail: 'Unexpected token' }),
    `${ID} failed to load: tokenizer.json cannot be loaded (Unexpected token)`,
    `${ID} kunde inte läsas in: tokenizer.json går inte att läsa in (Unexpected token)`,
  ],
  [
    msg('models.load_failed.missing_inputs', { model: ID, missing: 'both', inputs: 'x' }),
    `${ID} failed to load: the graph has no input_ids or attention_mask input (inputs: x)`,
    `${ID} kunde inte läsas in: grafen saknar indata input_ids och attention_mask (indata: x)`,
  ],
  [
    msg('models.load_failed.missing_inputs', { model: ID, missing: 'attention_mask', inputs: 'input_ids' }),
    `${ID} failed to load: the graph has no attention_mask input (inputs: input_ids)`,
    `${ID} kunde inte läsas in: grafen saknar indata attention_mask (indata: input_ids)`,
  ],
  [
    msg('models.load_failed.no_outputs', { model: ID }),
    `${ID} failed to load: the model has no outputs`,
    `${ID} kunde inte läsas in: modellen har inga utdata`,
  ],
  [
    msg('models.load_failed.does_not_run', { model: ID, detail: 'shape mismatch' }),
    `${ID} failed to load: the model does not run (shape mismatch)`,
    `${ID} kunde inte läsas in: modellen går inte att köra (shape mismatch)`,
  ],
  [
    msg('models.load_failed.dimensions', { model: ID, n: 1024, expected: 16 }),
    `${ID} failed to load: the model outputs 1024 dimensions, its bundle says 16`,
    `${ID} kunde inte läsas in: modellen ger 1024 dimensioner, paketet anger 16`,
  ],
];

type Messages = { [k: string]: string | Messages };
const keys = (m: Messages, prefix: string): string[] =>
  Object.entries(m).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`)));

describe('model fallback reasons as codes', () => {
  it('every models.* code is covered here', () => {
    expect(new Set(CASES.map(([m]) => m.code))).toEqual(new Set(keys(bundledResources().en!.models!, 'models.')));
  });

  it('read in English exactly as the main process wrote them, and in Swedish in Swedish', async () => {
    await i18next.changeLanguage('en');
    for (const [m, en] of CASES) expect(messageText(m), m.code).toBe(en);
    await i18next.changeLanguage('sv');
    for (const [m, , sv] of CASES) expect(messageText(m), m.code).toBe(sv);
    await i18next.changeLanguage('en');
  });

  it('the panel shows the code in the user’s language, else the English the host sent, else nothing', async () => {
    const why = msg('models.fallback.no_vram_layers', { backend: 'cuda' });
    await i18next.changeLanguage('sv');
    expect(fallbackText({ fallbackReason: 'no layers fit in free VRAM on cuda', fallbackWhy: why })).toBe('inga lager får plats i ledigt VRAM på cuda');
    // An older host without codes: its English as sent.
    expect(fallbackText({ fallbackReason: 'no layers fit in free VRAM on cuda' })).toBe('no layers fit in free VRAM on cuda');
    expect(fallbackText({ fallbackReason: null, fallbackWhy: null })).toBeNull();
    await i18next.changeLanguage('en');
    expect(fallbackText({ fallbackReason: 'ignored', fallbackWhy: why })).toBe('no layers fit in free VRAM on cuda');
  });
});
