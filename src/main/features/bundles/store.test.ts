// Installed bundles at rest: the fast check at start, verified reads, full re-hash, quarantine with
// a decision card, an audit entry and an alert, fallback to the last good version, rollback by
// activation, states in the sealed-state report, pruning.
import { msg } from '../../../shared/messages';
import { channelSchemas } from '../../../shared/api';
import { compileSchema } from '../../../shared/validation';
import { describe, expect, it } from 'vitest';
import { statSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../platform/test-utils';
import { dirReader } from './verify';
import { makeRepo, makeStore } from './testing';
import { tamperReason } from './file-checks';
import { withCause } from '../../../shared/error-messages';

const TEST_REASON = tamperReason('missing', { path: 'system.txt' }, 'system.txt is missing');

/** Restore a file's mtime to the millisecond (what an attacker covering their tracks would do). */
function putBackMtime(p: string, st: Stats): void {
  utimesSync(p, st.atimeMs / 1000, (Math.floor(st.mtimeMs) + 0.5) / 1000);
  expect(Math.floor(statSync(p).mtimeMs)).toBe(Math.floor(st.mtimeMs));
}

async function twoVersions(clock?: { now: () => Date }) {
  const work = tempDir('maestro-store-');
  const repo = makeRepo();
  const fx = makeStore({ dataDir: join(work, 'data'), root: repo.root, clock });
  const ids: number[] = [];
  for (const n of [1, 2]) {
    const out = join(work, `v${n}`);
    repo.build(
      out,
      { name: 'maestro.prompts', version: `1.${n}.0` },
      { 'system.txt': `prompt v${n}`, 'big.bin': Buffer.alloc(1024 * 1024, n) },
      { versions: { targets: n, snapshot: n, timestamp: n } },
    );
    ids.push((await fx.store.install(dirReader(out))).bundle.id);
  }
  return { work, repo, fx, ids: ids as [number, number] };
}

describe('bundle store', () => {
  it('startup fast check: a changed file quarantines the active version, writes a card, an audit entry, an alert, and falls back', async () => {
    const { fx, ids } = await twoVersions();
    const changes: string[] = [];
    fx.store.subscribe((c) => changes.push(`${c.name}:${c.change}`));
    expect(fx.store.active('maestro.prompts')!.id).toBe(ids[1]);
    writeFileSync(join(fx.store.active('maestro.prompts')!.dir, 'targets', 'system.txt'), 'prompt v9');
    const check = fx.store.startupCheck();
    expect(check).toMatchObject({ mismatches: 1 });
    expect(check.files).toBeGreaterThanOrEqual(2);
    const active = fx.store.active('maestro.prompts')!;
    expect(active.id).toBe(ids[0]);
    expect(active.read('system.txt').toString()).toBe('prompt v1');
    const report = fx.store.report();
    expect(report.bundles.find((b) => b.id === ids[1])).toMatchObject({ state: 'quarantined', active: false, quarantine: { path: 'system.txt' } });
    expect(report.lastStartupCheck).toMatchObject({ mismatches: 1 });
    expect(fx.alerts.map((a) => a.code)).toEqual(['BUNDLE_TAMPERED']);
    expect(fx.audit.list({ limit: 5, action: 'bundle.quarantined' }).entries[0]!.payload).toMatchObject({ installId: ids[1], fallback: { installId: ids[0] } });
    const card = fx.cards.list({ limit: 10 }).cards[0]!;
    expect(card).toMatchObject({ kind: 'bundle.quarantine', lane: 'RED', status: 'denied', chosen: 'quarantine' });
    expect(card.nextSafeStep).toEqual(msg('guard.next.bundle_fallback', { version: '1.1.0', name: 'maestro.prompts' }));
    expect(card.laneReasons).toEqual([msg('guard.lane.bundle_tampered', { name: 'maestro.prompts', version: '1.2.0' })]);
    expect(card.policy.reasons).toEqual([msg('refusals.bundle.BUNDLE_TAMPERED', { path: 'system.txt', name: 'maestro.prompts', version: '1.2.0' })]);
    expect(changes).toEqual(['maestro.prompts:quarantined']);
  });

  it('a verified read re-hashes: a same-size change with the mtime put back is still caught', async () => {
    const { fx, ids } = await twoVersions();
    const a = fx.store.active('maestro.prompts')!;
    const p = join(a.dir, 'targets', 'system.txt');
    const st = statSync(p);
    writeFileSync(p, 'prompt v3');
    putBackMtime(p, st);
    expect(() => a.read('system.txt')).toThrow(expect.objectContaining({ code: 'BUNDLE_TAMPERED' }) as Error);
    expect(fx.store.active('maestro.prompts')!.id).toBe(ids[0]);
  });

  it('full re-hash on demand finds what the fast check cannot; the last good version stays', async () => {
    const { fx, ids } = await twoVersions();
    const a = fx.store.active('maestro.prompts')!;
    const p = join(a.dir, 'targets', 'big.bin');
    const st = statSync(p);
    writeFileSync(p, Buffer.alloc(1024 * 1024, 9));
    putBackMtime(p, st);
    expect(fx.store.startupCheck().mismatches).toBe(0);
    const results = await fx.store.verifyInstalled();
    expect(results.map((r) => [r.bundle.id, r.ok])).toEqual([
      [ids[0], true],
      [ids[1], false],
    ]);
    expect(results[1]!.refusal).toMatchObject({
      code: 'BUNDLE_TAMPERED',
      path: 'big.bin',
      reason: msg('refusals.bundle.BUNDLE_TAMPERED', { path: 'big.bin' }),
    });
    expect(fx.store.active('maestro.prompts')!.id).toBe(ids[0]);
    // What the `bundles.verify` channel answers passes its response schema (the dispatcher refuses anything else).
    const valid = compileSchema(channelSchemas['bundles.verify'].res);
    expect(valid({ results }), JSON.stringify(valid.errors)).toBe(true);
    // …and so does a second pass, which reports the version already quarantined.
    expect(valid({ results: await fx.store.verifyInstalled() }), JSON.stringify(valid.errors)).toBe(true);
  });

  it("a full re-hash reports progress in bytes under the caller's opId, ending at the total", async () => {
    const { fx } = await twoVersions();
    const seen: { opId: string; phase: string; bytesDone: number; bytesTotal: number }[] = [];
    fx.events.subscribe((name, p) => {
      if (name === 'bundles.progress') seen.push(p as (typeof seen)[number]);
    });
    await fx.store.verifyInstalled(undefined, { opId: 'ui-verify-1' });
    expect(seen.every((p) => p.opId === 'ui-verify-1')).toBe(true);
    const total = fx.store.report().bundles.reduce((n, b) => n + b.bytes, 0);
    expect(seen.at(-1)).toMatchObject({ phase: 'done', bytesDone: total, bytesTotal: total });
    expect(seen[0]).toMatchObject({ phase: 'files', bytesDone: 0 });
  });

  it('no good version left: nothing is active (consumers fail closed)', async () => {
    const { fx } = await twoVersions();
    for (const id of fx.store.report().bundles.map((b) => b.id)) fx.store.quarantine(id, TEST_REASON, null);
    expect(fx.store.active('maestro.prompts')).toBeNull();
    // "maestro.prompts 1.0.0 quarantined: system.txt is missing; no good version left", as a message.
    expect(fx.alerts.at(-1)!.message).toEqual(
      withCause(msg('alerts.bundle.quarantined_alone', { name: 'maestro.prompts', version: fx.store.report().bundles.at(-1)!.version }), TEST_REASON.message),
    );
    expect(fx.store.report().bundles[0]!.quarantine?.reason).toEqual(msg('refusals.tamper.missing', { path: 'system.txt' }));
  });

  it('activate: an earlier version becomes active again after a re-hash; a quarantined one cannot', async () => {
    const { fx, ids } = await twoVersions();
    const r = await fx.store.activate(ids[0], 'v1.2 prompt regressed', 'prof_admin');
    expect(r).toMatchObject({ activated: true, bundle: { id: ids[0], active: true } });
    expect(fx.audit.list({ limit: 1, action: 'bundle.activated' }).entries[0]).toMatchObject({
      actor: 'prof_admin',
      payload: { reason: 'v1.2 prompt regressed' },
    });
    fx.store.quarantine(ids[1], TEST_REASON, null);
    await expect(fx.store.activate(ids[1], 'try', 'prof_admin')).rejects.toMatchObject({ code: 'BUNDLE_TAMPERED' });
  });

  it('states: expired by the device time, stale when the scheduled re-hash is overdue', async () => {
    let now = Date.now();
    const { fx } = await twoVersions({ now: () => new Date(now) });
    expect(fx.store.report().bundles.every((b) => b.state === 'verified')).toBe(true);
    now += 3 * 86_400_000;
    expect(fx.store.report().bundles.every((b) => b.state === 'stale')).toBe(true);
    await fx.store.verifyInstalled();
    expect(fx.store.report().bundles.every((b) => b.state === 'verified')).toBe(true);
    now += 200 * 86_400_000;
    expect(fx.store.report().bundles.every((b) => b.state === 'expired')).toBe(true);
  });

  it('keeps the active version and two previous ones; re-installing the same signed bundle changes nothing', async () => {
    const work = tempDir('maestro-prune-');
    const repo = makeRepo();
    const fx = makeStore({ dataDir: join(work, 'data'), root: repo.root });
    let last = '';
    for (let n = 1; n <= 5; n++) {
      last = join(work, `v${n}`);
      repo.build(last, { name: 'maestro.prompts', version: `1.${n}.0` }, { 'system.txt': `v${n}` }, { versions: { targets: n, snapshot: n, timestamp: n } });
      await fx.store.install(dirReader(last));
    }
    expect(fx.store.report().bundles.map((b) => b.version)).toEqual(['1.5.0', '1.4.0', '1.3.0']);
    const again = await fx.store.install(dirReader(last));
    expect(again.activated).toBe(false);
    expect(fx.store.report().bundles).toHaveLength(3);
    expect(fx.store.installedVersions()).toEqual({ 'maestro.prompts': '1.5.0' });
  });
});
