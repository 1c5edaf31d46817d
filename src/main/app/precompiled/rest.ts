// The validators of every other fixed schema (./schemas.ts, group 'rest'), precompiled: none in the
// source; the app's build replaces this module with ajv's standalone code for them, in a chunk of its
// own that is loaded after the first screen (scripts/precompiled-validators.ts, decision 0042).
export const table: Readonly<Record<string, unknown>> | null = null;
