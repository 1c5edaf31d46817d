// JSON Schema (2020-12) of a workflow manifest file (resources/workflows/*.yaml|json). Plain data:
// the main process compiles it with ajv; the renderer may show it. Executor-specific `with`
// parameters are checked afterwards against each executor's own schema.

export const WORKFLOW_REF_PATTERN = '^[a-z][a-z0-9-]*@\\d+\\.\\d+\\.\\d+$';
export const STEP_ID_PATTERN = '^[a-z][a-z0-9-]*$';
export const USES_PATTERN = '^[a-z][a-z0-9-]*@\\d+$';

export const workflowManifestSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['workflow', 'title', 'input', 'budgets', 'steps'],
  properties: {
    workflow: { type: 'string', pattern: WORKFLOW_REF_PATTERN, maxLength: 120 },
    title: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 4000 },
    input: {
      type: 'object',
      additionalProperties: false,
      required: ['contract'],
      properties: { contract: { type: 'string', minLength: 1, maxLength: 200 } },
    },
    budgets: {
      type: 'object',
      additionalProperties: false,
      required: ['tokens', 'wallTimeMs', 'costCents'],
      properties: {
        tokens: { type: 'integer', minimum: 0, maximum: 100_000_000 },
        wallTimeMs: { type: 'integer', minimum: 1, maximum: 7 * 24 * 3_600_000 },
        costCents: { type: 'integer', minimum: 0, maximum: 100_000_000 },
      },
    },
    steps: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'uses'],
        properties: {
          id: { type: 'string', pattern: STEP_ID_PATTERN, maxLength: 60 },
          uses: { type: 'string', pattern: USES_PATTERN, maxLength: 80 },
          title: { type: 'string', minLength: 1, maxLength: 200 },
          with: { type: 'object' },
          compensate: { type: 'string', pattern: STEP_ID_PATTERN, maxLength: 60 },
        },
      },
    },
  },
} as const;
