// A device moved to a new laptop through a backup, against the real sync-server process: the restored
// device sends what was still queued exactly once, never what the server already had, and its audit
// chain extends the head the server anchored (no equivocation).
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createServices, type Services } from '../../src/main/app/services';
import { createDispatcher } from '../../src/main/app/dispatch';
import { openAtRest } from '../../src/main/app/at-rest-start';
import { tempDir, TEST_PASSPHRASE } from '../../src/main/platform/test-utils';
import { enrollToken, freePort, startServer, type ServerProc } from './server-process';

const SITE = 'field.inspect.site@1.2.0';
const site = (n: number) => ({ siteId: `PS-${n}`, inspectedAt: '2026-11-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } });
const PASS = 'moving to a new laptop';
const VAULT = { MAESTRO_KEYSTORE: 'vault', MAESTRO_VAULT_PASSPHRASE: TEST_PASSPHRASE };

const servers: ServerProc[] = [];
const devices: Services[] = [];
afterAll(async () => {
  devices.forEach((d) => d.close());
  await Promise.all(servers.map((s) => s.stop()));
});

const serverKeys = (dbPath: string): string[] => {
  const db = new Database(dbPath, { readonly: true });
  const keys = db.prepare('SELECT idempotency_key FROM sync_items').pluck().all() as string[];
  db.close();
  return keys;
};

describe('restore onto a new laptop', () => {
  it('continues the outbox without sending anything twice, and the audit chain extends the anchored head', async () => {
    const dir = tempDir('maestro-srv-');
    const port = await freePort();
    const srv = await startServer(dir, port, {});
    servers.push(srv);

    // Both laptops start as the app does (src/main/app/at-rest-start.ts): a vault, the at-rest key in it.
    const oldDir = tempDir('maestro-old-');
    const old = createServices({ dataDir: oldDir, host: 'web', ...(await openAtRest(oldDir, undefined, VAULT)) });
    devices.push(old);
    old.profile.setup({ name: 'Ada', tenant: 'acme' });
    await old.sync.enroll(srv.url, enrollToken(dir, port, 'acme', 'ada@acme'));
    old.capture.submit({ contract: SITE, data: site(1) });
    old.capture.submit({ contract: SITE, data: site(2) });
    expect(await old.sync.syncNow()).toMatchObject({ acked: 2, failed: 0 });
    const anchored = (await old.sync.status()).anchor!;
    expect(anchored.seq).toBeGreaterThan(0);
    // Offline again: two more captures wait in the outbox when the backup is made.
    old.capture.submit({ contract: SITE, data: site(3) });
    old.capture.submit({ contract: SITE, data: site(4) });
    const queued = old.outbox.list({ limit: 50 }).filter((i) => i.state === 'queued');
    expect(queued).toHaveLength(2);
    const made = await createDispatcher(old)('backup.create', { passphrase: PASS });
    if (!made.ok) throw new Error(JSON.stringify(made.error));
    expect(made.data).toMatchObject({ summary: { unsent: 2, tenant: 'acme' } });
    old.close();

    // The new laptop: fresh data directory, restore, restart.
    const newDir = tempDir('maestro-new-');
    const blank = createServices({ dataDir: newDir, host: 'web', ...(await openAtRest(newDir, undefined, VAULT)) });
    const staged = await createDispatcher(blank)('backup.restore', { path: (made.data as { path: string }).path, passphrase: PASS, confirm: true });
    expect(staged).toMatchObject({ ok: true });
    blank.close();
    const start = await openAtRest(newDir, undefined, VAULT);
    expect(start.restore).toMatchObject({ applied: true });
    const moved = createServices({ dataDir: newDir, host: 'web', secrets: start.secrets, atRestKey: start.atRestKey });
    devices.push(moved);

    // Restored at rest too: no capture text anywhere in the new laptop's data directory.
    const files = (readdirSync(newDir, { recursive: true }) as string[]).map((f) => join(newDir, f)).filter((f) => statSync(f).isFile());
    expect(files.filter((f) => readFileSync(f).includes(Buffer.from('"PS-3"')))).toEqual([]);

    // Only the two queued items go out, with the idempotency keys they had; the server holds each item once.
    const before = serverKeys(srv.dbPath);
    expect(before).toHaveLength(2);
    const r = await moved.sync.syncNow();
    expect(r).toMatchObject({ acked: 2, failed: 0 });
    const after = serverKeys(srv.dbPath);
    expect(after).toHaveLength(4);
    expect(new Set(after).size).toBe(4);
    expect(after).toEqual(expect.arrayContaining(queued.map((i) => i.idempotencyKey)));
    // Sending again sends nothing.
    expect(await moved.sync.syncNow()).toMatchObject({ acked: 0 });
    expect(serverKeys(srv.dbPath)).toHaveLength(4);

    // The chain verifies, holds the anchored entry unchanged, and the server accepted its new checkpoint.
    expect(moved.audit.verify().valid).toBe(true);
    expect(moved.audit.get(anchored.seq)?.hash).toBe(anchored.head);
    const st = await moved.sync.status();
    expect(st.anchor!.seq).toBeGreaterThan(anchored.seq);
    expect(st.alerts.map((a) => a.code)).not.toContain('ANCHOR_EQUIVOCATION');
  }, 180_000);
});
