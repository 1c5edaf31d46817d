// YAML with line numbers: parse every document of a file, keep the node tree so an error found later
// (a schema violation at `/3/assert/0/expr`, a CEL parse error) can be reported at its line.
import { LineCounter, isNode, parseAllDocuments, type Document } from 'yaml';

export interface YamlSource {
  /** One plain value per YAML document. */
  values: unknown[];
  /** Syntax errors (file refused when non-empty). */
  errors: { line: number; reason: string }[];
  /** 1-based line of the node at `path` in document `doc`, or of its nearest existing ancestor. */
  lineOf(doc: number, path: readonly (string | number)[]): number;
}

/**
 * Parse every document of `text`. With `json: true` the text must also be JSON (the YAML parser
 * still runs, with its JSON schema, so errors get the same line numbers).
 */
export function parseYaml(text: string, opts: { json?: boolean } = {}): YamlSource {
  const lc = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, ...(opts.json ? { schema: 'json' as const } : {}) }) as
    Document.Parsed[] | { empty: true };
  const docs: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
  const errors: { line: number; reason: string }[] = [];
  const kind = opts.json ? 'not JSON' : 'YAML syntax error';
  for (const d of docs) {
    for (const e of d.errors) errors.push({ line: lc.linePos(e.pos[0]).line, reason: `${kind}: ${e.message.split('\n')[0]}` });
  }
  if (opts.json && !errors.length) {
    try {
      JSON.parse(text);
    } catch (e) {
      const pos = /position (\d+)/.exec((e as Error).message);
      errors.push({ line: pos ? lc.linePos(Number(pos[1])).line : 0, reason: `not JSON: ${(e as Error).message}` });
    }
  }
  const withContent = docs.filter((d) => d.contents !== null);
  const values = errors.length ? [] : withContent.map((d) => d.toJS({ maxAliasCount: 50 }) as unknown);
  const lineOf = (docIndex: number, path: readonly (string | number)[]): number => {
    const d = withContent[docIndex];
    if (!d) return 0;
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? d.contents : d.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    }
    return 0;
  };
  return { values, errors, lineOf };
}

/** `/3/assert/0/expr` → [3, 'assert', 0, 'expr'] (JSON pointer from ajv's instancePath). */
export function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer || pointer === '/') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
