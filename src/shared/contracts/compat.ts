// Contract versions against their previous version: a new minor or patch must not break what the
// previous version of its major accepted; only a new major may (then the sync's CONTRACT_BREAKING
// path applies). Pure: the bundle install gate, the sealing tools and the sync server share it.
import { BundleError } from '../bundles/errors';
import type { Message } from '../messages';
import { parseContractRef } from '../sync/protocol';
import { canonicalJson } from '../canonical';
import { breakingChanges, diffSchemas, type SchemaChange } from './schema-diff';
import { changeInWords } from './words';

/** The part of a contract document the check reads. */
export interface ContractDocLike {
  contract: string;
  schema: unknown;
}

export type ContractVerdict = 'new' | 'unchanged' | 'compatible' | 'new-major' | 'not-compatible';

export interface ContractCheck {
  contract: string;
  /** The version it was compared with, or null for a contract name seen for the first time. */
  previous: string | null;
  verdict: ContractVerdict;
  /** Every schema change (breaking and harmless). */
  changes: SchemaChange[];
}

/** One refused change, as `details.changes` of a CONTRACT_NOT_COMPATIBLE refusal carries it. */
export interface RefusedChange {
  contract: string;
  previous: string;
  path: string;
  kind: SchemaChange['kind'];
  before: unknown;
  after: unknown;
  /** English, for logs and CLI output. */
  reason: string;
  /** The reason as a message (`refusals.change.*`): what the UI shows. */
  why: Message;
}

type Ver = [number, number, number];
const cmp = (a: Ver, b: Ver) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

function parsed(docs: readonly unknown[]): { doc: ContractDocLike; name: string; v: Ver }[] {
  const out: { doc: ContractDocLike; name: string; v: Ver }[] = [];
  for (const d of docs) {
    const ref = typeof d === 'object' && d !== null ? (d as { contract?: unknown }).contract : undefined;
    const r = typeof ref === 'string' ? parseContractRef(ref) : null;
    // A document without a valid reference is refused by the contract loader on its own terms.
    if (r) out.push({ doc: d as ContractDocLike, name: r.name, v: [r.major, r.minor, r.patch] });
  }
  return out;
}

const schemaOf = (doc: { schema?: unknown }): unknown => (doc.schema !== null && typeof doc.schema === 'object' ? doc.schema : {});

/**
 * Each candidate contract against the previous version of its name: the highest version not above
 * it among `previous` (what is installed or published: the same version counts, if its content
 * changed) and below it among the other candidates.
 */
export function checkContractVersions(previous: readonly unknown[], candidate: readonly unknown[]): ContractCheck[] {
  const prev = parsed(previous);
  const cand = parsed(candidate);
  return cand.map((c) => {
    const pool = [...prev.filter((p) => p.name === c.name && cmp(p.v, c.v) <= 0), ...cand.filter((o) => o.name === c.name && cmp(o.v, c.v) < 0)];
    const base = pool.sort((x, y) => cmp(y.v, x.v))[0];
    if (!base) return { contract: c.doc.contract, previous: null, verdict: 'new', changes: [] };
    // A document without a schema accepts anything (`{}`): adding one later narrows it.
    const [before, after] = [schemaOf(base.doc), schemaOf(c.doc)];
    const changes = diffSchemas(before, after);
    const verdict: ContractVerdict =
      base.v[0] < c.v[0]
        ? 'new-major'
        : breakingChanges(changes).length
          ? 'not-compatible'
          : changes.length === 0 && canonicalJson(before) === canonicalJson(after)
            ? 'unchanged'
            : 'compatible';
    return { contract: c.doc.contract, previous: base.doc.contract, verdict, changes };
  });
}

/** The breaking changes of every refused contract, flat, for `details.changes`. */
export function refusedChanges(checks: readonly ContractCheck[]): RefusedChange[] {
  return checks
    .filter((c) => c.verdict === 'not-compatible')
    .flatMap((c) =>
      breakingChanges(c.changes).map((x) => ({
        contract: c.contract,
        previous: c.previous!,
        path: x.path,
        kind: x.kind,
        before: x.before,
        after: x.after,
        reason: x.reason,
        why: x.why,
      })),
    );
}

/**
 * Throws BundleError CONTRACT_NOT_COMPATIBLE (details.changes: every breaking change) when a
 * minor or patch version breaks the previous version of its major. Returns the checks otherwise.
 */
export function assertContractsCompatible(previous: readonly unknown[], candidate: readonly unknown[]): ContractCheck[] {
  const checks = checkContractVersions(previous, candidate);
  const changes = refusedChanges(checks);
  if (changes.length) {
    const refused = checks.filter((c) => c.verdict === 'not-compatible').map((c) => `${c.contract} (after ${c.previous})`);
    throw new BundleError(
      'CONTRACT_NOT_COMPATIBLE',
      `${refused.join(', ')}: ${changes.length} breaking change(s) in a minor or patch version (only a new major may break): ${changes
        .slice(0, 5)
        .map(changeInWords)
        .join('; ')}${changes.length > 5 ? '; …' : ''}`,
      { changes },
    );
  }
  return checks;
}
