// Workflow manifests (*.yaml | *.yml | *.json at the top of the workflow bundle, or resources/workflows): parsed with line numbers,
// validated against the manifest schema, then checked against the executor allowlist (name and
// major), each executor's `with` schema and compensations, unique step ids, and the contract
// registry. A bad file is refused with file, line and reason; the others still load.
import { hash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml, pointerToPath } from '../../platform/util/yaml-source';
import type { ErrorObject } from 'ajv';
import { compileSchema, mostSpecificError } from '../../../shared/validation';
import { canonicalJson } from '../../../shared/canonical';
import { workflowManifestSchema } from '../../../shared/workflow/manifest-schema';
import { EXECUTORS, type ExecutorName, type ManifestLoadError, type WorkflowManifest } from '../../../shared/workflow/types';
import type { WorkflowInfo } from '../../../shared/workflow/views';
import type { RunContracts, WorkflowTree } from './ports';
import { EXECUTOR_REGISTRY, type Executor } from './executors/index';

export interface LoadedManifest {
  manifest: WorkflowManifest;
  /** SHA-256 (hex) of the manifest's RFC 8785 canonical JSON. */
  digest: string;
  file: string;
}

export const manifestDigest = (m: WorkflowManifest): string => hash('sha256', canonicalJson(m), 'hex');

/** `ai-summarize@1` → { name: 'ai-summarize', major: 1 }; null when malformed. */
export function parseUses(uses: string): { name: string; major: number } | null {
  const m = /^([a-z][a-z0-9-]*)@(\d+)$/.exec(uses);
  return m ? { name: m[1]!, major: Number(m[2]) } : null;
}

export function executorName(uses: string): ExecutorName {
  return parseUses(uses)!.name as ExecutorName;
}

function describe(errors: ErrorObject[], prefix = ''): { pointer: string; reason: string } {
  const e = mostSpecificError(errors);
  // A bad key of a map (propertyNames: a locale tag, a step id): name the key, and point at it.
  const key = errors.find((x) => x.propertyName !== undefined && x.keyword !== 'propertyNames' && x.instancePath === e.path)?.propertyName;
  if (key !== undefined) return { pointer: `${e.path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, reason: `${prefix}${e.path} key '${key}' ${e.what}` };
  return { pointer: e.pointer, reason: `${prefix}${e.path || '/'} ${e.what}` };
}

/** Each step a translation names must be a step of the manifest. */
function checkI18n(m: WorkflowManifest, err: (path: (string | number)[], reason: string) => void): void {
  const ids = new Set(m.steps.map((s) => s.id));
  for (const [locale, words] of Object.entries(m.i18n ?? {})) {
    for (const id of Object.keys(words.steps ?? {})) {
      if (!ids.has(id)) err(['i18n', locale, 'steps', id], `i18n ${locale}: step '${id}' is not a step of this workflow`);
    }
  }
}

interface Source {
  value: unknown;
  lineOf(path: readonly (string | number)[]): number;
  errors: { line: number; reason: string }[];
}

function parseSource(text: string, file: string): Source {
  const src = parseYaml(text, { json: file.endsWith('.json') });
  const errors = [...src.errors];
  if (!errors.length && src.values.length !== 1) errors.push({ line: 0, reason: `a manifest file holds exactly one document (found ${src.values.length})` });
  return { value: errors.length ? undefined : src.values[0], lineOf: (path) => src.lineOf(0, path), errors };
}

/** Parse and check one manifest file's text. `file` is how errors name it. */
export function parseManifest(
  text: string,
  file: string,
  contracts: RunContracts,
  executors: Readonly<Record<ExecutorName, Executor>> = EXECUTOR_REGISTRY,
): { loaded: LoadedManifest | null; errors: ManifestLoadError[] } {
  const src = parseSource(text, file);
  const errors: ManifestLoadError[] = src.errors.map((e) => ({ file, line: e.line, reason: e.reason }));
  if (errors.length) return { loaded: null, errors };
  const validate = compileSchema(workflowManifestSchema as unknown as Record<string, unknown>);
  if (!validate(src.value)) {
    const d = describe(validate.errors ?? [], 'schema: ');
    return { loaded: null, errors: [{ file, line: src.lineOf(pointerToPath(d.pointer)), reason: d.reason }] };
  }
  const m = src.value as WorkflowManifest;
  const err = (path: (string | number)[], reason: string) => errors.push({ file, line: src.lineOf(path), reason });
  if (!contracts.has(m.input.contract)) err(['input', 'contract'], `input contract ${m.input.contract} is not in the contract registry`);
  checkI18n(m, err);
  const seen = new Map<string, number>();
  m.steps.forEach((step, i) => {
    const first = seen.get(step.id);
    if (first !== undefined) err(['steps', i, 'id'], `duplicate step id '${step.id}' (first at step ${first + 1})`);
    else seen.set(step.id, i);
    const uses = parseUses(step.uses)!;
    if (!(EXECUTORS as readonly string[]).includes(uses.name)) {
      err(['steps', i, 'uses'], `unknown executor '${uses.name}' in step '${step.id}' (allowed: ${EXECUTORS.join(', ')})`);
      return;
    }
    const ex = executors[uses.name as ExecutorName];
    if (!ex.majors.includes(uses.major)) {
      err(
        ['steps', i, 'uses'],
        `executor ${uses.name}@${uses.major} is not supported in step '${step.id}' (supported: ${ex.majors.map((v) => `@${v}`).join(', ')})`,
      );
      return;
    }
    if (step.compensate !== undefined && !(step.compensate in ex.compensations)) {
      const offered = Object.keys(ex.compensations);
      err(
        ['steps', i, 'compensate'],
        `executor ${uses.name} has no compensation '${step.compensate}' (offers: ${offered.length ? offered.join(', ') : 'none'})`,
      );
    }
    const params = step.with ?? {};
    const v = compileSchema(ex.withSchema);
    if (!v(params)) {
      const d = describe(v.errors ?? [], `step '${step.id}' with: `);
      err(['steps', i, 'with', ...pointerToPath(d.pointer)], d.reason);
      return;
    }
    const extra = ex.check?.(params, m, contracts);
    if (extra) err(['steps', i, 'with'], `step '${step.id}': ${extra}`);
  });
  if (errors.length) return { loaded: null, errors };
  return { loaded: { manifest: m, digest: manifestDigest(m), file }, errors: [] };
}

/**
 * The top-level files of `dir`, read afresh on each call (a reload sees new files); a link to a
 * regular file counts as a file. files() throws when `dir` cannot be read. (Manifests are top-level
 * files only; a verified workflow bundle comes as a WorkflowTree from the bundles feature.)
 */
function dirFiles(dir: string): WorkflowTree {
  const isFile = (name: string) => {
    try {
      return statSync(join(dir, name)).isFile();
    } catch {
      return false; // a dangling link is not a file
    }
  };
  return {
    label: dir,
    files: () =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile() || (e.isSymbolicLink() && isFile(e.name)))
        .map((e) => e.name)
        .sort(),
    read: (name) => {
      if (!name || name.includes('/') || name.includes('\\') || name.includes('\0') || name === '.' || name === '..')
        throw new Error(`not a file of the directory: ${JSON.stringify(name)}`);
      return readFileSync(join(dir, name));
    },
  };
}

/** Every manifest in `dir` (sorted by file name). Refused files are listed in `errors`; the rest load. */
export function loadManifestDir(
  dir: string,
  contracts: RunContracts,
  executors: Readonly<Record<ExecutorName, Executor>> = EXECUTOR_REGISTRY,
): { manifests: LoadedManifest[]; errors: ManifestLoadError[] } {
  return loadManifestTree(dirFiles(dir), contracts, executors);
}

/** Every top-level `*.yaml` / `*.yml` / `*.json` of `tree`, by name; errors name the file as listed ('report.yaml'). */
export function loadManifestTree(
  tree: WorkflowTree,
  contracts: RunContracts,
  executors: Readonly<Record<ExecutorName, Executor>> = EXECUTOR_REGISTRY,
): { manifests: LoadedManifest[]; errors: ManifestLoadError[] } {
  let names: string[];
  try {
    names = tree.files().filter((f) => !f.includes('/') && /\.(ya?ml|json)$/.test(f));
  } catch (e) {
    return { manifests: [], errors: [{ file: tree.label, line: 0, reason: `cannot read the workflow directory: ${(e as Error).message}` }] };
  }
  const manifests: LoadedManifest[] = [];
  const errors: ManifestLoadError[] = [];
  const byRef = new Map<string, LoadedManifest>();
  for (const name of names) {
    let text: string;
    try {
      text = tree.read(name).toString('utf8');
    } catch (e) {
      errors.push({ file: name, line: 0, reason: `cannot read: ${(e as Error).message}` });
      continue;
    }
    const r = parseManifest(text, name, contracts, executors);
    errors.push(...r.errors);
    if (!r.loaded) continue;
    const dup = byRef.get(r.loaded.manifest.workflow);
    if (dup) {
      errors.push({ file: name, line: 1, reason: `workflow ${r.loaded.manifest.workflow} is already defined in ${dup.file}` });
      continue;
    }
    byRef.set(r.loaded.manifest.workflow, r.loaded);
    manifests.push(r.loaded);
  }
  return { manifests, errors };
}

export function summaryOf(l: LoadedManifest): WorkflowInfo {
  const m = l.manifest;
  return {
    workflow: m.workflow,
    title: m.title,
    description: m.description ?? null,
    ...(m.i18n ? { i18n: m.i18n } : {}),
    inputContract: m.input.contract,
    budgets: { ...m.budgets },
    steps: m.steps.map((s) => ({ id: s.id, uses: s.uses, title: s.title ?? null, compensate: s.compensate ?? null })),
    digest: l.digest,
  };
}
