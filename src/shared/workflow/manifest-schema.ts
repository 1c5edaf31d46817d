// JSON Schema (2020-12) of a workflow manifest file (resources/workflows/*.yaml|json), declared with
// TypeBox: the main process compiles it with ajv, the renderer may show it, and WorkflowManifest
// (./types.ts) is its static type. Executor-specific `with` parameters are checked afterwards
// against each executor's own schema.
import { Type, type Static } from '@sinclair/typebox';
import { anyObject, mapOf, obj } from '../typebox';
import { LOCALE_PATTERN } from '../contract-annotations';

export const WORKFLOW_REF_PATTERN = '^[a-z][a-z0-9-]*@\\d+\\.\\d+\\.\\d+$';
export const STEP_ID_PATTERN = '^[a-z][a-z0-9-]*$';
export const USES_PATTERN = '^[a-z][a-z0-9-]*@\\d+$';

const stepId = Type.String({ pattern: STEP_ID_PATTERN, maxLength: 60 });
const titleText = Type.String({ minLength: 1, maxLength: 200 });
const description = Type.String({ maxLength: 4000 });

const workflowStepSchema = obj({
  id: stepId,
  /** `<executor>@<major>`, e.g. `ai-summarize@1`; the executor must be in EXECUTORS. */
  uses: Type.String({ pattern: USES_PATTERN, maxLength: 80 }),
  title: Type.Optional(titleText),
  /** Executor parameters (validated by the executor's own schema at load). */
  with: Type.Optional(anyObject()),
  /** Name of the executor's compensation, run in reverse order when a later step fails (saga). */
  compensate: Type.Optional(stepId),
});

/**
 * A workflow's words in one language (docs/decisions/0031-contracts-in-several-languages.md): its
 * title, its description and step titles by step id (each id a step of the manifest, checked at load).
 */
const workflowWordsSchema = obj({
  title: Type.Optional(titleText),
  description: Type.Optional(description),
  steps: Type.Optional(mapOf(titleText, { propertyNames: { type: 'string', pattern: STEP_ID_PATTERN, maxLength: 60 }, maxProperties: 50 })),
});
export type WorkflowWords = Static<typeof workflowWordsSchema>;

/** Words by locale tag (`sv`, `pt-BR`): the manifest's own `title`, `description` and step titles are the default. */
export const workflowI18nSchema = mapOf(workflowWordsSchema, { propertyNames: { type: 'string', pattern: LOCALE_PATTERN }, maxProperties: 50 });

export const workflowManifestSchema = obj(
  {
    /** `name@semver`, e.g. `site-inspection@1.0.0`. */
    workflow: Type.String({ pattern: WORKFLOW_REF_PATTERN, maxLength: 120 }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(description),
    /** The workflow's words in other languages, by locale (the renderer picks the user's; shown words only). */
    i18n: Type.Optional(workflowI18nSchema),
    /** The run's input must validate against this contract before the run starts. */
    input: obj({ contract: Type.String({ minLength: 1, maxLength: 200 }) }),
    budgets: obj({
      /** Model tokens (prompt + completion) over the whole run. */
      tokens: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
      /** Wall time from start to finish, excluding time spent waiting for a human approval. */
      wallTimeMs: Type.Integer({ minimum: 1, maximum: 7 * 24 * 3_600_000 }),
      /** Cost in integer cents (never floats for money). */
      costCents: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    }),
    steps: Type.Array(workflowStepSchema, { minItems: 1, maxItems: 50 }),
  },
  { $schema: 'https://json-schema.org/draft/2020-12/schema' },
);
