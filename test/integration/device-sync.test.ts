// Device ↔ real sync-server process over loopback: enrollment, exactly-once delivery with verified
// receipts, offline queueing, refused receipts, breaking contracts, key rotation and anchoring.
import { sealServerBundles } from '../../src/main/features/bundles/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createServices, DEFAULT_RESOURCES_DIR, type Services } from '../../src/main/app/services';
import { tempDir, unlockedVault } from '../../src/main/platform/test-utils';
import { decryptGcm } from '../../src/main/platform/keys/data-keys';
import { aadBytes } from '../../src/shared/sync/protocol';
import { auditEntryCanonical, GENESIS_PREV_HASH } from '../../src/shared/audit-hash';
import { sha256Hex } from '../../src/main/platform/audit/index';
import { enrollToken, freePort, startServer, type ServerProc } from './server-process';
import { AuditMerkle, auditLeafHash } from '../../src/main/platform/audit/merkle';
import { fromHex, verifyInclusion } from '../../src/shared/merkle';
import type { SignedCheckpoint } from '../../src/shared/sync/protocol';

const SITE = 'field.inspect.site@1.2.0';
const site = (n: number) => ({ siteId: `PS-${n}`, inspectedAt: '2026-11-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } });

const servers: ServerProc[] = [];
const devices: Services[] = [];
afterAll(async () => {
  devices.forEach((d) => d.close());
  await Promise.all(servers.map((s) => s.stop()));
});

async function device(fetchFn?: typeof fetch) {
  const dataDir = tempDir('maestro-dev-');
  const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir), fetch: fetchFn });
  s.profile.setup({ name: 'Ada', tenant: 'acme' });
  devices.push(s);
  return s;
}

async function server(opts: { contractsDir?: string } = {}) {
  const dir = tempDir('maestro-srv-');
  const port = await freePort();
  // The server's contracts also travel to devices as a signed bundle (micro-contract updates).
  const env = opts.contractsDir
    ? {
        MAESTRO_SERVER_CONTRACTS_DIR: opts.contractsDir,
        MAESTRO_SERVER_BUNDLES_DIR: await sealServerBundles({ outDir: join(dir, 'bundles'), contractsDir: opts.contractsDir }),
      }
    : {};
  const srv = await startServer(dir, port, env);
  servers.push(srv);
  return { srv, dir, port, token: () => enrollToken(dir, port, 'acme', 'ada@acme') };
}

const serverRows = (dbPath: string) => {
  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare('SELECT idempotency_key, content_hash FROM sync_items').all() as { idempotency_key: string; content_hash: string }[];
  db.close();
  return rows;
};

describe('device sync against the real server', () => {
  it('enrolls, sends everything once, and verifies every receipt and the audit checkpoint', async () => {
    const { srv, token } = await server();
    const s = await device();
    const photo = s.capture.attachments.put(Buffer.from('jpeg'), 'p.jpg', 'image/jpeg', new Date().toISOString());
    s.capture.submit({ contract: SITE, data: { ...site(1), photos: [photo.ref] } });
    s.capture.submit({ contract: SITE, data: site(2) });
    expect((await s.sync.syncNow()).phase).toBe('not_enrolled');
    await s.sync.enroll(srv.url, token());
    expect(s.profile.get()?.role).toBe('field');
    const r = await s.sync.syncNow();
    expect(r).toMatchObject({ acked: 3, failed: 0 });
    const items = s.outbox.list({ limit: 10 });
    expect(items.every((i) => i.state === 'acked' && i.receiptVerified && i.serverSeq)).toBe(true);
    const rows = serverRows(srv.dbPath);
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((x) => x.idempotency_key))).toEqual(new Set(items.map((i) => i.idempotencyKey)));
    // The server holds ciphertext only; the device can decrypt its own item with the tenant key.
    const row = s.outbox.row(items.find((i) => i.kind === 'record')!.id);
    const plain = decryptGcm(
      await s.dataKeys.get('acme', row.key_version!),
      { ciphertext: row.ciphertext!, iv: Buffer.from(row.iv!, 'base64'), tag: Buffer.from(row.tag!, 'base64') },
      aadBytes(row.idempotency_key, row.contract, 'acme'),
    );
    expect(JSON.parse(plain.toString())).toMatchObject({ kind: 'record', contract: SITE });
    expect(readFileSync(srv.dbPath).includes(Buffer.from('"siteId"'))).toBe(false);
    // Anchored: the device holds a signed checkpoint of its audit head.
    const st = await s.sync.status();
    expect(st.anchor?.seq).toBeGreaterThan(0);
    // The checkpoint countersigns the device's Merkle tree head at that size; an entry's inclusion
    // proof verifies against it.
    const cp = JSON.parse(s.db.prepare('SELECT checkpoint FROM audit_anchors ORDER BY seq DESC LIMIT 1').pluck().get() as string) as SignedCheckpoint;
    const merkle = new AuditMerkle(s.db);
    expect(cp.checkpoint).toMatchObject({ treeSize: cp.checkpoint.seq, treeRoot: merkle.root(cp.checkpoint.seq) });
    const inc = merkle.inclusion(2, cp.checkpoint.treeSize);
    expect(
      verifyInclusion(
        merkle.hasher,
        auditLeafHash(merkle.hasher, inc.entryHash),
        inc.index,
        inc.size,
        inc.proof.map(fromHex),
        fromHex(cp.checkpoint.treeRoot!),
      ),
    ).toBe(true);
    // Re-running sends nothing new.
    expect((await s.sync.syncNow({ force: true })).acked).toBe(0);
    expect(serverRows(srv.dbPath)).toHaveLength(3);
  });

  it('a device anchored before the server kept tree frontiers still gets countersigned tree heads (rebuilt once)', async () => {
    const { srv, token } = await server();
    const s = await device();
    await s.sync.enroll(srv.url, token());
    s.capture.submit({ contract: SITE, data: site(1) });
    await s.sync.syncNow();
    // As a server from before migration 5 left it: a head but no frontier.
    const db = new Database(srv.dbPath);
    db.prepare("UPDATE devices SET anchor_frontier = '[]'").run();
    db.close();
    s.capture.submit({ contract: SITE, data: site(2) });
    await s.sync.syncNow();
    const cp = JSON.parse(s.db.prepare('SELECT checkpoint FROM audit_anchors ORDER BY seq DESC LIMIT 1').pluck().get() as string) as SignedCheckpoint;
    expect(cp.checkpoint).toMatchObject({ treeSize: cp.checkpoint.seq, treeRoot: new AuditMerkle(s.db).root(cp.checkpoint.seq) });
    expect((await s.sync.status()).alerts.map((a) => a.code)).not.toContain('ANCHOR_TREE_MISMATCH');
  });

  it('a device whose Merkle tree head does not match its entry hashes gets no checkpoint', async () => {
    const { srv, token } = await server();
    const s = await device();
    await s.sync.enroll(srv.url, token());
    // The tree root this device would send is forged (its hash chain is intact).
    (s.sync as unknown as { merkle: { root: () => string } }).merkle.root = () => 'ab'.repeat(32);
    s.capture.submit({ contract: SITE, data: site(1) });
    await s.sync.syncNow();
    expect(s.db.prepare('SELECT count(*) FROM audit_anchors').pluck().get()).toBe(0);
    // The server says why as a message (alerts.anchor.*), the alert keeps it.
    expect((await s.sync.status()).alerts.find((a) => a.code === 'ANCHOR_TREE_MISMATCH')).toMatchObject({ message: { code: 'alerts.anchor.tree_mismatch' } });
  });

  it('captures while the server is down; nothing burns attempts; everything lands when it is back', async () => {
    const { srv, dir, port, token } = await server();
    const s = await device();
    await s.sync.enroll(srv.url, token());
    await srv.stop();
    for (let i = 0; i < 5; i++) s.capture.submit({ contract: SITE, data: site(i) });
    const off = await s.sync.syncNow();
    expect(off.phase).toBe('offline');
    expect((await s.sync.status()).reachable).toBe(false);
    expect(s.outbox.list({ limit: 10 }).every((i) => i.state === 'queued' && i.attempts === 0)).toBe(true);
    servers.push(await startServer(dir, port));
    expect(await s.sync.syncNow()).toMatchObject({ acked: 5, phase: 'idle' });
    expect(serverRows(join(dir, 'server.db'))).toHaveLength(5);
  });

  it('refuses a tampered receipt (item stays queued, alert raised), then accepts the original on retry', async () => {
    const { srv, token } = await server();
    let tamper = true;
    const tampering: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!tamper || !String(input).includes('/v1/sync/batch')) return res;
      const body = (await res.json()) as { results: { receipt?: { receipt: { serverSeq: number } } }[] };
      for (const r of body.results) if (r.receipt) r.receipt.receipt.serverSeq += 1000;
      return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
    };
    const s = await device(tampering);
    await s.sync.enroll(srv.url, token());
    const { outboxId } = s.capture.submit({ contract: SITE, data: site(9) });
    expect((await s.sync.syncNow()).acked).toBe(0);
    expect(s.outbox.row(outboxId)).toMatchObject({ state: 'queued', receipt_verified: 0 });
    expect((await s.sync.status()).alerts.find((a) => a.code === 'RECEIPT_INVALID')).toEqual(
      expect.objectContaining({ message: { code: 'alerts.receipt.signature' }, subject: outboxId }),
    );
    tamper = false;
    expect((await s.sync.syncNow({ force: true })).acked).toBe(1);
    expect(s.outbox.row(outboxId)).toMatchObject({ state: 'acked', receipt_verified: 1 });
    expect(serverRows(srv.dbPath)).toHaveLength(1);
  });

  it('keeps items whose contract major is behind the server (blocked, never dropped) and says what to do', async () => {
    const contractsDir = tempDir('maestro-contracts-');
    cpSync(join(DEFAULT_RESOURCES_DIR, 'contracts'), contractsDir, { recursive: true });
    const doc = JSON.parse(readFileSync(join(contractsDir, `${SITE}.json`), 'utf8')) as { contract: string };
    doc.contract = 'field.inspect.site@2.0.0';
    writeFileSync(join(contractsDir, 'field.inspect.site@2.0.0.json'), JSON.stringify(doc));
    const { srv, token } = await server({ contractsDir });
    const s = await device();
    await s.sync.enroll(srv.url, token());
    const { outboxId } = s.capture.submit({ contract: SITE, data: site(3) });
    s.capture.submit({
      contract: 'lab.record.specimen@2.0.1',
      data: {
        specimenId: 'SP-2026-0001',
        collectedAt: '2026-11-02',
        taxon: 'Daphnia',
        site: { lat: 1, lon: 2 },
        collector: { name: 'A' },
        preservation: 'frozen',
      },
    });
    const r = await s.sync.syncNow();
    expect(r).toMatchObject({ acked: 1, blocked: 1 });
    const row = s.outbox.row(outboxId);
    expect(row).toMatchObject({ state: 'blocked', required_version: 'field.inspect.site@2.0.0' });
    expect(JSON.parse(row.last_error!) as unknown).toMatchObject({ code: 'errors.sync.contract_required', params: { required: 'field.inspect.site@2.0.0' } });
    expect(s.db.prepare('SELECT count(*) FROM records').pluck().get()).toBe(2);
  });

  it('installs a newer minor contract version from the server without an app update, and flags a newer major', async () => {
    const contractsDir = tempDir('maestro-contracts-');
    cpSync(join(DEFAULT_RESOURCES_DIR, 'contracts'), contractsDir, { recursive: true });
    const site13 = JSON.parse(readFileSync(join(contractsDir, `${SITE}.json`), 'utf8')) as {
      contract: string;
      schema: { properties: Record<string, unknown> };
    };
    site13.contract = 'field.inspect.site@1.3.0';
    site13.schema.properties.weather = { type: 'string', title: 'Weather', enum: ['dry', 'rain', 'snow'] };
    writeFileSync(join(contractsDir, 'field.inspect.site@1.3.0.json'), JSON.stringify(site13));
    const spec3 = JSON.parse(readFileSync(join(contractsDir, 'lab.record.specimen@2.0.1.json'), 'utf8')) as { contract: string };
    spec3.contract = 'lab.record.specimen@3.0.0';
    writeFileSync(join(contractsDir, 'lab.record.specimen@3.0.0.json'), JSON.stringify(spec3));
    const { srv, token } = await server({ contractsDir });
    const s = await device();
    await s.sync.enroll(srv.url, token());
    s.capture.submit({ contract: SITE, data: site(1) });
    await s.sync.syncNow();
    expect(s.contracts.latest().map((c) => c.contract)).toContain('field.inspect.site@1.3.0');
    expect((await s.sync.status()).alerts.find((a) => a.code === 'CONTRACT_BREAKING_UPDATE')).toMatchObject({
      subject: 'lab.record.specimen@3.0.0',
      message: { code: 'alerts.contract_breaking', params: { name: 'lab.record.specimen', server: '3.0.0', local: '2.0.1' } },
    });
    expect(s.contracts.versions()['lab.record.specimen']).toBe('2.0.1');
    // New captures use the new minor, and the server accepts them.
    s.capture.submit({ contract: 'field.inspect.site@1.3.0', data: { ...site(2), weather: 'rain' } });
    expect((await s.sync.syncNow()).acked).toBe(1);
    // Installed for good: a restart loads it from the active, verified contracts bundle.
    const dataDir = s.info.dataDir;
    s.close();
    const again = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir) });
    devices.push(again);
    expect(again.contracts.has('field.inspect.site@1.3.0')).toBe(true);
    expect(again.audit.list({ limit: 50, action: 'contract.updated' }).entries[0]?.subject).toBe('field.inspect.site@1.3.0');
  });

  it('rotates the data key for new items and keeps old items decryptable', async () => {
    const { srv, token } = await server();
    const s = await device();
    await s.sync.enroll(srv.url, token());
    const a = s.capture.submit({ contract: SITE, data: site(1) });
    await s.sync.syncNow();
    await s.dataKeys.rotate('acme');
    const b = s.capture.submit({ contract: SITE, data: site(2) });
    await s.sync.syncNow();
    expect(s.outbox.row(a.outboxId).key_version).toBe(1);
    expect(s.outbox.row(b.outboxId).key_version).toBe(2);
    for (const id of [a.outboxId, b.outboxId]) {
      const row = s.outbox.row(id);
      const key = await s.dataKeys.get('acme', row.key_version!);
      expect(() =>
        decryptGcm(
          key,
          { ciphertext: row.ciphertext!, iv: Buffer.from(row.iv!, 'base64'), tag: Buffer.from(row.tag!, 'base64') },
          aadBytes(row.idempotency_key, row.contract, 'acme'),
        ),
      ).not.toThrow();
    }
  });

  it('a history rewritten before the anchored head shows in the device verify report and is flagged by the server', async () => {
    const { srv, token } = await server();
    const s = await device();
    await s.sync.enroll(srv.url, token());
    s.capture.submit({ contract: SITE, data: site(1) });
    await s.sync.syncNow();
    const anchored = (await s.sync.status()).anchor!;
    // Rewrite the whole chain consistently from entry 1, as an attacker with the file would.
    const dataDir = s.info.dataDir;
    s.close();
    const raw = new Database(join(dataDir, 'maestro.db'));
    raw.exec('DROP TRIGGER audit_log_no_update');
    const rows = raw.prepare('SELECT * FROM audit_log ORDER BY seq').all() as {
      seq: number;
      ts: string;
      actor: string;
      action: string;
      subject: string;
      payload: string;
    }[];
    let prev = GENESIS_PREV_HASH;
    for (const r of rows) {
      const payload = r.seq === 1 ? '{"forged":true}' : r.payload;
      const h = sha256Hex(auditEntryCanonical({ seq: r.seq, ts: r.ts, actor: r.actor, action: r.action, subject: r.subject, prevHash: prev }, payload));
      raw.prepare('UPDATE audit_log SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(payload, prev, h, r.seq);
      prev = h;
    }
    raw.prepare('DELETE FROM audit_verifications').run();
    raw.close();
    const s2 = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir) });
    devices.push(s2);
    const report = s2.audit.verify();
    expect(report.valid).toBe(false);
    expect(report.firstBad).toMatchObject({ seq: anchored.seq, reason: 'link_broken' });
    // The next sync re-sends the rewritten hashes; the server keeps the evidence and refuses a checkpoint.
    s2.db.prepare('DELETE FROM audit_anchors').run();
    s2.capture.submit({ contract: SITE, data: site(2) });
    await s2.sync.syncNow();
    expect((await s2.sync.status()).alerts.map((a) => a.code)).toContain('ANCHOR_EQUIVOCATION');
    const sdb = new Database(srv.dbPath, { readonly: true });
    expect(sdb.prepare('SELECT count(*) FROM equivocations').pluck().get()).toBeGreaterThan(0);
    sdb.close();
  });
});
