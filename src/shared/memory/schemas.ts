// JSON Schemas of the memory and model views (plain data).
import { MEMORY_TIERS } from './types';

type Schema = Record<string, unknown>;
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const num: Schema = { type: 'number' };
const nullable = (x: Schema): Schema => ({ anyOf: [{ type: 'null' }, x] });
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
const arr = (items: Schema): Schema => ({ type: 'array', items });
const tier: Schema = { enum: [...MEMORY_TIERS] };
export const LOCALE_PATTERN = '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$';
const locale: Schema = { type: 'string', pattern: LOCALE_PATTERN, maxLength: 35 };

export const memoryItemSchema = obj({
  id: str,
  tier,
  text: str,
  locale: str,
  sourceRefs: arr(str),
  createdAt: str,
  expiresAt: nullable(str),
  contentHash: str,
  embeddingModel: nullable(str),
  runId: nullable(str),
});

export const memorySearchQuerySchema = obj(
  {
    text: { type: 'string', minLength: 1, maxLength: 2000 },
    tiers: { type: 'array', items: tier, uniqueItems: true, maxItems: 5 },
    locale,
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    limit: { type: 'integer', minimum: 1, maximum: 50 },
  },
  ['text'],
);

export const memorySearchResultSchema = obj({
  hits: arr(obj({ item: memoryItemSchema, score: num, vectorRank: nullable(int), textRank: nullable(int) })),
  embeddingModel: str,
  durationMs: num,
});

export const memoryAddSchema = obj(
  {
    tier: { enum: ['core', 'episodic', 'semantic', 'procedural'] },
    text: { type: 'string', minLength: 1, maxLength: 20000, pattern: '\\S' },
    locale,
    sourceRefs: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 50 },
  },
  ['tier', 'text', 'locale'],
);

export const memoryStatsSchema = obj({
  tiers: obj(Object.fromEntries(MEMORY_TIERS.map((t) => [t, obj({ count: int, quota: nullable(int), bytes: int })]))),
  embeddingModel: str,
});

const slot = obj({
  arm: { enum: ['model', 'fallback'] },
  id: str,
  state: { enum: ['none', 'loading', 'ready', 'error'] },
  backend: nullable({ enum: ['cuda', 'vulkan', 'metal', 'cpu'] }),
  device: nullable(str),
  vramBytes: nullable(int),
  offloadedLayers: nullable(int),
  tokensPerSecond: nullable(num),
  fallbackReason: nullable(str),
  loadProgress: nullable(num),
});
export const modelStatusSchema = obj({ text: slot, embedding: slot });
