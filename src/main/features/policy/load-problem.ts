// A file refused at a policy load (decision 0030): `reason` in the loader's English for logs and the
// CLI, and `message`, the same as a `guard.load.*` code with params, which Health and the alerts show
// in the reader's language. Words from elsewhere (a YAML or CEL parser, the schema validator, the file
// system) travel as a `detail` param, as they are. Numbers are written as they were (lines, columns).
import { msg, type Message } from '../../../shared/messages';
import type { PolicyLoadError } from '../../../shared/policy/types';
import type { CompileOutcome } from './cel';

/** A refused file: where, the English reason, and the same as `guard.load.<key>`. */
export function loadError(file: string, line: number, key: string, params: Record<string, string | number>, reason: string): PolicyLoadError {
  const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return { file, line, reason, message: msg(`guard.load.${key}`, p) };
}

const YAML_PREFIX = 'YAML syntax error: ';

/** A syntax error of the YAML reader (platform/util/yaml-source). */
export function yamlError(file: string, e: { line: number; reason: string }): PolicyLoadError {
  return e.reason.startsWith(YAML_PREFIX)
    ? loadError(file, e.line, 'yaml', { detail: e.reason.slice(YAML_PREFIX.length) }, e.reason)
    : loadError(file, e.line, 'text', { text: e.reason }, e.reason);
}

/** A schema violation: `schema: <path> <what>` (the validator's own phrase as the detail). */
export const schemaError = (file: string, line: number, path: string, what: string): PolicyLoadError =>
  loadError(file, line, 'schema', { path, detail: what }, `schema: ${path} ${what}`);

/** A thrown error's text (the file system's words). */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** An expression that does not compile, in a place (`{id}` or `condition {name}`) the key names. */
export function celError(
  file: string,
  line: number,
  key: 'cel' | 'condition_cel',
  who: Record<string, string>,
  c: Extract<CompileOutcome, { ok: false }>,
): PolicyLoadError {
  const head = key === 'cel' ? who.id : `condition ${who.name}`;
  return loadError(file, line, key, { ...who, detail: c.reason, column: c.column }, `${head}: ${c.reason} (column ${c.column} of the expression)`);
}

/** Why a file was refused: the loader's message, or the words of a loader that gives none (`guard.load.text`). */
export const loadErrorWhy = (e: { reason: string; message?: Message }): Message => e.message ?? msg('guard.load.text', { text: e.reason });
