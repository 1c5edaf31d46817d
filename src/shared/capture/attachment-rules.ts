// Contract annotations on an attachment field (a `sha256:` string, or an array of them), shared by the
// main process (enforced at ingest and submit) and the renderer (checked before sending):
//   "x-maestro-max-bytes": n         — a lower cap than MAX_ATTACHMENT_BYTES for this field
//   "x-maestro-keep-location": true  — keep EXIF GPS (default: stripped at ingest)
// Either may sit on the string schema or on the array holding it; the string's wins.
import { MAX_ATTACHMENT_BYTES } from '../api/capture';

export const MAX_BYTES_KEYWORD = 'x-maestro-max-bytes';
export const KEEP_LOCATION_KEYWORD = 'x-maestro-keep-location';

type Schema = Record<string, unknown>;
const isObj = (x: unknown): x is Schema => !!x && typeof x === 'object' && !Array.isArray(x);

export interface AttachmentRule {
  maxBytes: number;
  keepLocation: boolean;
}

export const DEFAULT_RULE: AttachmentRule = { maxBytes: MAX_ATTACHMENT_BYTES, keepLocation: false };

/** The rule of one schema node (and its array parent, if any). */
export function ruleOf(node: Schema | undefined, parent?: Schema): AttachmentRule {
  const pick = <T>(k: string, ok: (v: unknown) => v is T): T | undefined => {
    const own = node?.[k];
    if (ok(own)) return own;
    const up = parent?.[k];
    return ok(up) ? up : undefined;
  };
  const max = pick(MAX_BYTES_KEYWORD, (v): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0);
  const keep = pick(KEEP_LOCATION_KEYWORD, (v): v is boolean => typeof v === 'boolean');
  return { maxBytes: Math.min(MAX_ATTACHMENT_BYTES, max ?? MAX_ATTACHMENT_BYTES), keepLocation: keep ?? false };
}

/** The schema node for a data path ("/site/photos/0" or "/site/photos"), walking properties and items. */
export function schemaAt(schema: Schema, pointer: string): { node?: Schema; parent?: Schema } {
  let node: Schema | undefined = schema;
  let parent: Schema | undefined;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!node) return {};
    parent = node;
    if (isObj(node.properties) && seg in node.properties) node = node.properties[seg] as Schema;
    else if (isObj(node.items) && /^\d+$/.test(seg)) node = node.items;
    else return {};
  }
  // A pointer to an array of attachments names its items' rule.
  if (node && isObj(node.items) && node.type === 'array') return { node: node.items, parent: node };
  return { node, parent };
}

/** The rule for the attachment field at `pointer` of a contract schema. */
export function ruleAt(schema: Schema, pointer: string): AttachmentRule {
  const { node, parent } = schemaAt(schema, pointer);
  return ruleOf(node, parent?.type === 'array' ? parent : undefined);
}

/** Every attachment reference in `data` with the data path it sits at and the rule of its field. */
export function attachmentsWithRules(
  schema: Schema,
  data: unknown,
  path = '',
  node: Schema = schema,
  parent?: Schema,
): { path: string; hash: string; rule: AttachmentRule }[] {
  const out: { path: string; hash: string; rule: AttachmentRule }[] = [];
  if (typeof data === 'string') {
    const m = /^sha256:([0-9a-f]{64})$/.exec(data);
    if (m) out.push({ path: path || '/', hash: m[1]!, rule: ruleOf(node, parent) });
  } else if (Array.isArray(data)) {
    const items = isObj(node.items) ? node.items : {};
    data.forEach((d, i) => out.push(...attachmentsWithRules(schema, d, `${path}/${i}`, items, node)));
  } else if (isObj(data)) {
    const props = isObj(node.properties) ? node.properties : {};
    for (const [k, v] of Object.entries(data))
      out.push(...attachmentsWithRules(schema, v, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, isObj(props[k]) ? props[k] : {}));
  }
  return out;
}
