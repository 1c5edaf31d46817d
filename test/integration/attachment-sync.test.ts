// Real-size attachments through the real server process (issue 16, decision 0020): 3 MB, 12 MB and
// 200 MB files captured on a field device, uploaded in sealed 4 MiB chunks, the record acknowledged
// only with its attachments (its receipt names their blob ids), fetched by a reviewer when opened and
// compared byte for byte; the canary's bytes are nowhere in the server's storage; a tenant over its
// quota sees the record held back with the refusal, and a retry after the quota is raised syncs it.
import { afterAll, describe, expect, it } from 'vitest';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Services } from '../../src/main/app/services';
import { tempDir } from '../../src/main/platform/test-utils';
import type { SignedReceipt } from '../../src/shared/sync/protocol';
import { CHUNK_BYTES } from '../../src/shared/sync/attachments';
import { handOutKeys, teamDevice, teamServer, type TeamServer } from './team-helpers';
import { startServer } from './server-process';
import { filesContaining, listFiles, randomFile, sameBytes } from './attachment-files';

const SITE = 'field.inspect.site@1.2.0';
const site = (n: number, photos: string[]) => ({
  siteId: `PS-${n}`,
  inspectedAt: '2026-11-20',
  location: { lat: 52, lon: 4 },
  condition: 'good',
  inspector: { name: 'Ada' },
  photos,
});
const MB = 1000 * 1000;

const devices: Services[] = [];
const servers: TeamServer[] = [];
afterAll(async () => {
  devices.forEach((d) => d.close());
  await Promise.all(servers.map((s) => s.srv.stop()));
});

/**
 * Admin, field and reviewer devices. The enrollment tokens are made first: making one runs the
 * server CLI synchronously, and a pause between requests lets the server close the keep-alive
 * socket the next request would reuse.
 */
async function team(env: NodeJS.ProcessEnv = {}) {
  const t = await teamServer(env);
  servers.push(t);
  const tokens = { admin: t.token('dana@acme', 'admin'), field: t.token('ada@acme', 'field'), reviewer: t.token('rita@acme', 'reviewer') };
  const one = async (name: string, token: string) => {
    const s = await teamDevice(name);
    devices.push(s);
    await s.sync.enroll(t.srv.url, token);
    await s.sync.syncNow();
    return s;
  };
  const admin = await one('Dana Admin', tokens.admin);
  const field = await one('Ada Field', tokens.field);
  const reviewer = await one('Rita Reviewer', tokens.reviewer);
  await handOutKeys(admin);
  await field.team.pull();
  await reviewer.team.pull();
  return { t, admin, field, reviewer };
}

async function attach(s: Services, size: number, name: string, marker?: Buffer): Promise<{ path: string; hash: string; ref: string; size: number }> {
  const path = join(tempDir('maestro-file-'), name);
  const hash = randomFile(path, size, marker);
  const stored = await s.capture.attachments.putStream(createReadStream(path), { name, mime: 'image/jpeg', nowIso: new Date().toISOString() });
  expect(stored.hash).toBe(hash);
  return { path, hash, ref: stored.ref, size };
}

const outboxOf = (s: Services) => s.outbox.list({ limit: 50 });

describe('real-size attachments through the real server', () => {
  it('3 MB, 12 MB and 200 MB files sync as one unit with their record and a reviewer fetches them byte for byte', { timeout: 600_000 }, async () => {
    const { t, field, reviewer } = await team();
    const canary = Buffer.from('CANARY-PHOTO-5d1c0e77-maestro');
    const files = [await attach(field, 3 * MB, 'small.jpg', canary), await attach(field, 12 * MB, 'photo.jpg'), await attach(field, 200 * MB, 'video.mp4')];
    // The same 12 MB file attached again by a second record: uploaded once.
    field.capture.submit({
      contract: SITE,
      data: site(
        1,
        files.map((f) => f.ref),
      ),
    });
    field.capture.submit({ contract: SITE, data: site(2, [files[1]!.ref]) });
    const progress: { hash: string; done: number }[] = [];
    const off = field.events.subscribe((name, p) => {
      if (name === 'transfers.progress' && 'direction' in p && p.direction === 'upload') progress.push({ hash: p.hash, done: p.doneBytes });
    });
    const r = await field.sync.syncNow();
    off();
    expect(r.failed).toBe(0);
    const items = outboxOf(field);
    expect(items.filter((i) => i.kind === 'attachment')).toHaveLength(3);
    expect(items.every((i) => i.state === 'acked' && i.receiptVerified)).toBe(true);
    // Progress of the 200 MB upload: at least one figure on the way (emits are throttled in time, so how
    // many depends on the machine's speed), never going back, ending at the whole file.
    const big = progress.filter((x) => x.hash === files[2]!.hash).map((x) => x.done);
    expect(big.some((d) => d > 0 && d < files[2]!.size)).toBe(true);
    expect(big.every((d, i) => i === 0 || d >= big[i - 1]!)).toBe(true);
    expect(big[big.length - 1]).toBe(files[2]!.size);
    // Each record's receipt names exactly the blob ids of its attachments (the device checked that).
    const blobs = items.filter((i) => i.kind === 'attachment').map((i) => (JSON.parse(field.outbox.row(i.id).blob_ids!) as string[])[0]!);
    expect(new Set(blobs).size).toBe(3);
    const named = items
      .filter((i) => i.kind === 'record')
      .map((i) => (JSON.parse(field.outbox.row(i.id).receipt!) as SignedReceipt).receipt.attachments ?? [])
      .sort((a, b) => a.length - b.length);
    expect(named.map((n) => n.length)).toEqual([1, 3]);
    expect(new Set(named[1])).toEqual(new Set(blobs));
    // Stored once: every chunk of each blob once on the server's disk, nothing else.
    const chunkFiles = listFiles(join(t.dir, 'attachments')).filter((p) => p.endsWith('.chunk'));
    expect(chunkFiles).toHaveLength(1 + 3 + 48);
    // The reviewer pulls the manifests, opens each file, and gets exactly the captured bytes.
    await reviewer.team.pull();
    const fieldId = field.sync.config()!.deviceId;
    for (const f of files) {
      expect(reviewer.capture.attachments.stat(f.hash)).toBeNull();
      const got = await reviewer.sync.fetchAttachment(fieldId, f.hash);
      expect(got.hash).toBe(f.hash);
      expect(await sameBytes(reviewer.capture.attachments.openRead(f.hash), f.path)).toBe(true);
    }
    // Canary: the photo's marker bytes are in no file of the server's storage (database or chunks).
    expect(await filesContaining(t.dir, canary)).toEqual([]);
    expect(await filesContaining(join(t.dir, 'attachments'), Buffer.from(files[0]!.hash))).toEqual([]);
    expect(CHUNK_BYTES).toBe(4 * 1024 * 1024);
  });

  it('over quota: the attachment is refused, the record says so and is not synced; raised quota + retry syncs it', { timeout: 120_000 }, async () => {
    const { t, field } = await team({ MAESTRO_SERVER_ATTACHMENT_QUOTA_BYTES: String(5 * MB) });
    const f = await attach(field, 6 * MB, 'big.jpg');
    field.capture.submit({ contract: SITE, data: site(3, [f.ref]) });
    await field.sync.syncNow();
    const att = outboxOf(field).find((i) => i.kind === 'attachment')!;
    const rec = outboxOf(field).find((i) => i.kind === 'record')!;
    expect(att.state).toBe('blocked');
    // Codes, not sentences (decision 0030): the attachment is refused with the server's error as its cause,
    // and the record says its attachment was refused, with the same cause.
    expect(att.lastError).toMatchObject({ code: 'errors.sync.refused_retry', params: { causeCode: 'errors.QUOTA_EXCEEDED.quota' } });
    expect(rec.state).toBe('queued');
    expect(rec.lastError).toMatchObject({ code: 'errors.sync.attachment_refused', params: { name: 'big.jpg', causeCode: 'errors.sync.refused_retry' } });
    // The operator raises the quota; the user retries the attachment.
    await t.srv.stop();
    t.srv = await startServer(t.dir, t.port, { MAESTRO_SERVER_ATTACHMENT_QUOTA_BYTES: String(50 * MB) });
    field.outbox.retry(att.id, 'user:test');
    await field.sync.syncNow();
    expect(outboxOf(field).every((i) => i.state === 'acked' && i.receiptVerified)).toBe(true);
  });

  it('pause holds a file (and its record) after the current chunk; resume goes on from where it stopped', { timeout: 120_000 }, async () => {
    const { field } = await team();
    const f = await attach(field, 9 * MB, 'pause.jpg');
    field.capture.submit({ contract: SITE, data: site(4, [f.ref]) });
    field.sync.transfers.pause(f.hash);
    await field.sync.syncNow();
    const att = () => outboxOf(field).find((i) => i.kind === 'attachment')!;
    const rec = () => outboxOf(field).find((i) => i.kind === 'record')!;
    expect(att()).toMatchObject({ state: 'queued', lastError: { code: 'errors.sync.paused' } });
    expect(rec()).toMatchObject({
      state: 'queued',
      lastError: { code: 'errors.sync.attachment_waiting_because', params: { name: 'pause.jpg', causeCode: 'errors.sync.paused' } },
    });
    expect(field.sync.transfers.list().find((t) => t.hash === f.hash)).toMatchObject({ state: 'paused', doneBytes: 0, totalBytes: 9 * MB });
    field.sync.resumeUpload(f.hash);
    await field.sync.syncNow();
    expect([att().state, rec().state]).toEqual(['acked', 'acked']);
    expect(field.sync.transfers.list().find((t) => t.hash === f.hash)).toMatchObject({ state: 'done', doneBytes: 9 * MB });
  });
});
