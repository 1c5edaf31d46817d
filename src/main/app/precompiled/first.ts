// The validators of the schemas the first screen needs (./schemas.ts, group 'first'), precompiled:
// in the source there are none (tests and scripts compile as they go); the app's build replaces this
// module with ajv's standalone code for them (scripts/precompiled-validators.ts, decision 0042).
export const table: Readonly<Record<string, unknown>> | null = null;
