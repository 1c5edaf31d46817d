// "No view may load a whole table" (issue 20): every channel a view calls, run on a generated profile
// (scripts/year-profile.ts) whose tables hold several times more rows than any page, must read a
// bounded number of rows into JavaScript. A wrapper on better-sqlite3's statements counts the rows
// each .all()/.iterate() hands back (aggregates such as count(*) come back as one row, and are the
// database's work, not a load); a channel that reads a whole table, or loads all rows and slices
// them in JS, hands back about N rows and fails here.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Statement } from 'better-sqlite3';
import { buildYearProfile, YEAR_PASSPHRASE } from '../../scripts/year-profile';
import { createServices, type Services } from '../../src/main/app/services';
import { createDispatcher, type Dispatch } from '../../src/main/app/dispatch';
import { VaultStore } from '../../src/main/platform/keys/index';
import { loadAtRestKey } from '../../src/main/platform/keys/at-rest';
import { tempDir } from '../../src/main/platform/test-utils';

/** Rows per table: several times any page (the largest page a channel allows is 500). */
const N = 3000;
/** The most rows one statement may hand back in one channel call. */
const BOUND = 600;

/** The channels the views call on open and when they page or search, with a typical request. */
const VIEW_CHANNELS: [string, unknown][] = [
  ['profile.get', {}],
  ['system.info', {}],
  ['sync.status', {}],
  ['contracts.list', {}],
  ['drafts.list', {}],
  ['records.list', { limit: 100 }],
  ['runs.list', {}],
  ['runs.list', { status: 'failed' }],
  ['workflows.list', {}],
  ['cards.list', {}],
  ['cards.list', { text: 'corrosion' }],
  ['cards.list', { lane: 'RED', sort: 'cost' }],
  ['cards.stats', {}],
  ['memory.stats', {}],
  ['memory.search', { text: 'valve flange corrosion' }],
  ['models.status', {}],
  ['outbox.list', {}],
  ['outbox.list', { state: 'queued', limit: 500 }],
  ['transfers.list', {}],
  ['audit.list', { limit: 100 }],
  ['audit.list', { limit: 100, action: 'note.added' }],
  ['audit.facets', {}],
  ['system.health', {}],
  ['bundles.report', {}],
  ['policy.status', {}],
  ['governance.status', {}],
  ['updates.status', {}],
  ['team.status', {}],
  ['team.peers', {}],
  ['team.directory', {}],
  ['team.refusals', {}],
];

let dir: string;
let services: Services;
let dispatch: Dispatch;
const reads: { sql: string; rows: number }[] = [];
let restore: () => void = () => {};

/** Counts what every statement of this process hands back (all and iterate). */
function countRows(proto: Statement): () => void {
  const all = proto.all;
  const iterate = proto.iterate;
  proto.all = function (this: Statement, ...args: unknown[]) {
    const out = (all as (...a: unknown[]) => unknown[]).apply(this, args);
    reads.push({ sql: this.source, rows: out.length });
    return out;
  } as Statement['all'];
  proto.iterate = function* (this: Statement, ...args: unknown[]) {
    const read = { sql: this.source, rows: 0 };
    reads.push(read);
    for (const r of (iterate as (...a: unknown[]) => IterableIterator<unknown>).apply(this, args)) {
      read.rows++;
      yield r;
    }
  } as Statement['iterate'];
  return () => {
    proto.all = all;
    proto.iterate = iterate;
  };
}

beforeAll(async () => {
  dir = tempDir('maestro-year-paging-');
  await buildYearProfile(dir, { audit: 2 * N, records: N, cards: N, memory: N, attachmentBytes: 64 * 1024 });
  const vault = new VaultStore(dir);
  await vault.unlock(YEAR_PASSPHRASE);
  services = createServices({ dataDir: dir, host: 'web', secrets: vault, atRestKey: await loadAtRestKey(vault) });
  dispatch = createDispatcher(services);
  restore = countRows(Object.getPrototypeOf(services.db.prepare('SELECT 1')) as Statement);
}, 120_000);

afterAll(() => {
  restore();
  services?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('no view loads a whole table (year profile, N rows per table)', () => {
  it('the profile holds N of each', () => {
    const n = (t: string) => services.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
    expect(n('records')).toBe(N);
    expect(n('decision_cards')).toBe(N);
    expect(n('memory_items')).toBe(N);
    expect(n('outbox')).toBeGreaterThanOrEqual(N);
    expect(services.audit.head()!.seq).toBe(2 * N);
  });

  it.each(VIEW_CHANNELS)('%s %j reads a bounded number of rows', async (channel, input) => {
    reads.length = 0;
    const r = await dispatch(channel, input);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const over = reads.filter((x) => x.rows > BOUND).map((x) => `${x.rows} rows: ${x.sql.replace(/\s+/g, ' ').slice(0, 160)}`);
    expect(over).toEqual([]);
  });

  it('audit.list totals and audit.facets (their bounded paths) match a full count and DISTINCT', async () => {
    services.audit.append({ actor: 'user:zz', action: 'aa.first', payload: {} });
    const all = (await dispatch('audit.list', { limit: 5 })) as { ok: true; data: { total: number } };
    expect(all.data.total).toBe(services.db.prepare('SELECT count(*) FROM audit_log').pluck().get());
    const notes = (await dispatch('audit.list', { limit: 5, action: 'note.added' })) as { ok: true; data: { total: number } };
    expect(notes.data.total).toBe(services.db.prepare("SELECT count(*) FROM audit_log WHERE action = 'note.added'").pluck().get());
    const f = (await dispatch('audit.facets', {})) as { ok: true; data: { actions: string[]; actors: string[] } };
    expect(f.data.actions).toEqual(services.db.prepare('SELECT DISTINCT action FROM audit_log ORDER BY action').pluck().all());
    expect(f.data.actors).toEqual(services.db.prepare('SELECT DISTINCT actor FROM audit_log ORDER BY actor').pluck().all());
    expect(f.data.actions[0]).toBe('aa.first');
  });

  it('the wrapper sees an unbounded read (the test can fail)', () => {
    reads.length = 0;
    services.db.prepare('SELECT seq FROM audit_log').all();
    expect(reads.some((x) => x.rows > BOUND)).toBe(true);
  });
});
