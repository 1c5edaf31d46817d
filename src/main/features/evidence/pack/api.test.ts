// Export and verify a disclosure pack over the API table (what the Runs view calls).
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createDispatcher } from '../../../app/dispatch';
import type { Res } from '../../../../shared/api/types';
import { packDevice, type PackDevice } from './test-helpers';
import { makeServices } from '../../../platform/test-utils';
import { REPORT_WF, report } from '../../runs/test-helpers';

const open: PackDevice[] = [];
afterEach(() => {
  for (const d of open.splice(0)) d.s.close();
});

describe('evidence.exportPack / evidence.verifyPack', () => {
  it('writes the pack into the exports folder with progress and an audit entry; it verifies; a changed byte fails', async () => {
    const d = await packDevice({ countersign: true });
    open.push(d);
    const seen: string[] = [];
    d.s.events.subscribe((name, p) => {
      if (name === 'evidence.pack.progress') seen.push((p as { phase: string }).phase);
    });
    const dispatch = createDispatcher(d.s);
    const r = (await dispatch('evidence.exportPack', { runId: d.runIds[0]!, opId: 'ui-1' })) as { ok: true; data: Res<'evidence.exportPack'> };
    expect(r.ok).toBe(true);
    expect(r.data.path).toContain('/exports/');
    expect(r.data).toMatchObject({ piiIncluded: false, countersigned: true });
    expect(seen.at(-1)).toBe('done');
    expect(d.s.audit.list({ limit: 1, action: 'evidence.pack.exported' }).entries[0]?.payload).toMatchObject({ manifestSha256: r.data.manifestSha256 });
    const ok = (await dispatch('evidence.verifyPack', { path: r.data.path })) as { ok: true; data: Res<'evidence.verifyPack'> };
    expect(ok.data).toMatchObject({ ok: true, failures: [] });
    expect(ok.data.text).toMatch(/OK: the pack verifies/);
    const buf = readFileSync(r.data.path);
    buf[buf.length - 30] = buf[buf.length - 30]! ^ 0xff;
    writeFileSync(r.data.path, buf);
    const bad = (await dispatch('evidence.verifyPack', { path: r.data.path })) as { ok: true; data: Res<'evidence.verifyPack'> };
    expect(bad.data.ok).toBe(false);
    expect(await dispatch('evidence.exportPack', { runId: 'run_missing' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  }, 60_000);

  it('on a device that was never enrolled: CONFLICT not_enrolled (a pack is signed with the enrolled key), not INTERNAL', async () => {
    const s = makeServices();
    s.profile.setup({ name: 'Ada', tenant: 'acme' });
    const run = await s.runs.start({ workflow: REPORT_WF, input: report() });
    const r = await createDispatcher(s)('evidence.exportPack', { runId: run.id });
    expect(r).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { reason: 'not_enrolled' } } });
    s.close();
  });
});
