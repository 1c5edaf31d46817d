// The development policy overlay (resources/policy-dev/overlay.yaml, sealed as the bundle
// maestro.policy-dev): a few changes to the shipped policy's params for the demo and the tests, e.g.
// the random-weight test model among the allowed models. It is applied only where the app was
// started in development mode (MAESTRO_DEV_POLICY=1; src/main/app/wire.ts), and every decision under
// it carries the version `<policy version>+dev`, so a card always says a development policy decided.
//
//   params:
//     allowedModels: { add: [model.tiny-text@1.0.0] }   # a list param: append these (same item types)
//     maxRunTokens: 4000000                               # replace a value (same type)
//
// Validation: only `params` (and a description); only params the policy already defines; a value
// of the same type (a number for a number, a list of the same item types for a list). Anything else
// is refused, and so is the whole policy load (all or nothing, as for the policy files).
import type { PolicyLoadError } from '../../../shared/policy/types';
import { compileSchema, mostSpecificError } from '../../../shared/validation';
import { parseYaml, pointerToPath } from '../../platform/util/yaml-source';
import type { PolicyDocument } from './policy';
import { loadError, schemaError, yamlError } from './load-problem';

/** The overlay's file inside its tree (the bundle maestro.policy-dev). */
export const OVERLAY_FILE = 'overlay.yaml';
/** What an overlaid policy's version carries after its base version. */
export const DEV_VERSION_SUFFIX = '+dev';

const scalar = { type: ['number', 'string', 'boolean'] };
const list = { type: 'array', items: scalar };

export const overlaySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['params'],
  properties: {
    description: { type: 'string' },
    params: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        anyOf: [scalar, list, { type: 'object', additionalProperties: false, required: ['add'], properties: { add: { ...list, minItems: 1 } } }],
      },
    },
  },
} as const;

type Scalar = number | string | boolean;
type Change = Scalar | Scalar[] | { add: Scalar[] };

const kindOf = (v: unknown): string => (Array.isArray(v) ? 'list' : typeof v);

/** Why `value` cannot take the place of (or be added to) the base value `base`, or null. */
function mismatch(base: unknown, change: Change): string | null {
  const adding = typeof change === 'object' && !Array.isArray(change);
  const value = adding ? change.add : change;
  if (adding && !Array.isArray(base)) return `'add' needs a list param, and it is a ${kindOf(base)}`;
  if (kindOf(base) !== kindOf(value)) return `a ${kindOf(base)} param cannot become a ${kindOf(value)}`;
  if (!Array.isArray(base) || base.length === 0) return null;
  const itemKinds = new Set(base.map(kindOf));
  const odd = (value as Scalar[]).find((v) => !itemKinds.has(kindOf(v)));
  return odd === undefined ? null : `item ${JSON.stringify(odd)} is a ${kindOf(odd)}; the list holds ${[...itemKinds].join(', ')} items`;
}

/**
 * `doc` with the overlay in `text` applied, its version `<version>+dev`; or the reasons it is refused.
 * Never throws.
 */
export function applyOverlay(doc: PolicyDocument, text: string, file: string): { doc: PolicyDocument | null; errors: PolicyLoadError[] } {
  const src = parseYaml(text);
  const errors: PolicyLoadError[] = src.errors.map((e) => yamlError(file, e));
  if (errors.length) return { doc: null, errors };
  if (src.values.length !== 1)
    return { doc: null, errors: [loadError(file, 0, 'overlay_one_document', {}, 'an overlay file holds exactly one YAML document')] };
  const validate = compileSchema(overlaySchema as unknown as Record<string, unknown>);
  if (!validate(src.values[0])) {
    const e = mostSpecificError(validate.errors ?? [], (x) => x.keyword === 'anyOf');
    return { doc: null, errors: [schemaError(file, src.lineOf(0, pointerToPath(e.pointer)), e.path || '/', e.what)] };
  }
  const changes = (src.values[0] as { params: Record<string, Change> }).params;
  const params: Record<string, unknown> = { ...doc.params };
  for (const [key, change] of Object.entries(changes)) {
    const line = src.lineOf(0, ['params', key]);
    if (!Object.hasOwn(doc.params, key)) {
      errors.push(
        loadError(
          file,
          line,
          'overlay_unknown_param',
          { key, file: doc.file },
          `params.${key} is not a param of ${doc.file} (an overlay only changes the params a policy defines)`,
        ),
      );
      continue;
    }
    const why = mismatch(doc.params[key], change);
    if (why) {
      errors.push(loadError(file, line, 'overlay_mismatch', { key, detail: why }, `params.${key}: ${why}`));
      continue;
    }
    if (typeof change === 'object' && !Array.isArray(change)) {
      const base = doc.params[key] as Scalar[];
      params[key] = [...base, ...change.add.filter((v, i) => !base.includes(v) && change.add.indexOf(v) === i)];
    } else params[key] = change;
  }
  if (errors.length) return { doc: null, errors };
  return { doc: { ...doc, params, version: `${doc.version}${DEV_VERSION_SUFFIX}` }, errors: [] };
}
