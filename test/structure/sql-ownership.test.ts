// Each device table belongs to one folder (docs/decisions/0014-feature-slices.md): SQL that names a
// table appears only there. Other code asks the owner through its port. Migrations create every
// table and are exempt; tests may set up and tamper with any table.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src/main');

/** table → the folder (under src/main) that owns it. */
export const TABLE_OWNERS: Record<string, string> = {
  audit_log: 'platform/audit',
  audit_anchors: 'platform/audit',
  audit_merkle_nodes: 'platform/audit',
  audit_verifications: 'platform/audit',
  data_keys: 'platform/keys',
  device_meta: 'platform/util',
  sync_config: 'platform/device',
  server_keys: 'platform/device',
  profile: 'features/profile',
  drafts: 'features/capture',
  records: 'features/capture',
  attachments: 'features/capture',
  outbox: 'features/outbox',
  outbox_state_counts: 'features/outbox',
  alerts: 'features/sync',
  transfer_pauses: 'features/sync',
  server_device_status: 'features/sync',
  runs: 'features/runs',
  run_steps: 'features/runs',
  decision_cards: 'features/cards',
  card_approvals: 'features/cards',
  card_failed_invariants: 'features/cards',
  cards_fts: 'features/cards',
  card_search_backfill: 'features/cards',
  bundle_active: 'features/bundles',
  bundle_checks: 'features/bundles',
  bundle_files: 'features/bundles',
  bundle_installs: 'features/bundles',
  bundle_role_versions: 'features/bundles',
  bundle_roots: 'features/bundles',
  memory_items: 'features/memory',
  memory_fts: 'features/memory',
  memory_fts_state: 'features/memory',
  memory_vectors: 'features/memory',
  memory_vector_indexes: 'features/memory',
  memory_tier_stats: 'features/memory',
  run_artifacts: 'features/evidence',
  release_gate_evaluations: 'features/evidence',
  tenant_keys: 'features/team',
  team_cards: 'features/team',
  team_certs: 'features/team',
  team_decisions: 'features/team',
  team_events: 'features/team',
  team_inbox: 'features/team',
  team_records: 'features/team',
  team_refusals: 'features/team',
  team_runs: 'features/team',
  team_state: 'features/team',
};

const isTestFile = (p: string) => /\.test\.tsx?$|(^|\/)(testing|test-helpers|test-utils|fixtures)\.ts$|\/testing\//.test(p);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/** String and template literals that read as SQL, with the tables they name after FROM / JOIN / INTO / UPDATE / TABLE. */
export function tablesNamedBySql(source: string): string[] {
  const found = new Set<string>();
  const literal = /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g;
  for (const m of source.matchAll(literal)) {
    const text = m[0];
    if (!/\b(SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b/.test(text)) continue;
    // A common table expression's name (WITH [RECURSIVE] v(x) AS …, …, w AS …) is not a table.
    const ctes = new Set([...text.matchAll(/(?:\bWITH(?: RECURSIVE)?|,)\s+([a-z_][a-z0-9_]*)\s*(?:\([^)]*\))?\s+AS\s*\(/g)].map((c) => c[1]!));
    for (const t of text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE(?: IF (?:NOT )?EXISTS)?|DELETE FROM)\s+([a-z_][a-z0-9_]*)/g))
      if (!ctes.has(t[1]!)) found.add(t[1]!);
  }
  return [...found];
}

describe('SQL table ownership', () => {
  it('finds the tables named by SQL in a literal', () => {
    expect(tablesNamedBySql("db.prepare('SELECT a FROM runs r JOIN run_steps s ON s.run_id = r.id')").sort()).toEqual(['run_steps', 'runs']);
    expect(tablesNamedBySql('`WITH RECURSIVE v(x) AS (SELECT min(a) FROM audit_log UNION ALL SELECT x FROM v) SELECT x FROM v`')).toEqual(['audit_log']);
    expect(tablesNamedBySql('db.prepare(`INSERT INTO outbox (id) VALUES (?)`)')).toEqual(['outbox']);
    expect(tablesNamedBySql("const label = 'runs from the outbox'")).toEqual([]);
  });

  it('every table named in SQL outside the migrations is named only by the folder that owns it', () => {
    const offences: string[] = [];
    const unknown = new Set<string>();
    for (const file of sourceFiles(MAIN)) {
      const rel = relative(MAIN, file).split('\\').join('/');
      if (isTestFile(rel) || rel.startsWith('platform/db/migrations/')) continue;
      for (const table of tablesNamedBySql(readFileSync(file, 'utf8'))) {
        const owner = TABLE_OWNERS[table];
        if (!owner) {
          // sqlite internals and CTE names are not tables of ours
          if (!/^(sqlite_|pragma_|json_each|vec_)/.test(table)) unknown.add(`${rel}: ${table}`);
          continue;
        }
        if (!rel.startsWith(owner + '/')) offences.push(`${rel} names ${table}`);
      }
    }
    expect(offences).toEqual([]);
    expect([...unknown]).toEqual([]);
  });
});
