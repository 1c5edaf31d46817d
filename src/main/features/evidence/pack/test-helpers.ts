// A device with a finished run whose outbox items carry server-signed receipts and whose audit log
// has a countersigned tree head: the input of the pack tests and bench.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Services } from '../../../app/services';
import { makeServices, tempDir } from '../../../platform/test-utils';
import { prepareDevice, report, REPORT_WF, runServiceFor, wallClock } from '../../runs/test-helpers';
import { allowAllGuard } from '../../runs/testing';
import { noteSynced, writeSyncConfig } from '../../../platform/device/sync-config';
import { DEVICE_KEY } from '../../../platform/device/credential';
import { rawPublicKeyBase64, signBase64 } from '../../../../platform/ed25519';
import { checkpointSigningBytes, receiptSigningBytes, type CheckpointBody, type ReceiptBody } from '../../../../shared/sync/protocol';
import { MemoryTree, toHex } from '../../../../shared/merkle';
import { merkleHasher } from '../../../platform/audit/merkle';

export const DEVICE_ID = 'dev_pack';

export interface PackDevice {
  s: Services;
  runIds: string[];
  server: { privateKey: KeyObject; publicRaw: string };
  devicePem: string;
}

/** `runs` finished report runs; receipts for their outbox items; a countersigned checkpoint of the whole log. */
export async function packDevice(opts: { runs?: number; countersign?: boolean } = {}): Promise<PackDevice> {
  const w = wallClock();
  const s = makeServices({ dataDir: tempDir(), clock: w.clock });
  const server = generateKeyPairSync('ed25519');
  const device = generateKeyPairSync('ed25519');
  const devicePem = device.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const at = s.clock.now().toISOString();
  const serverPublicKey = rawPublicKeyBase64(server.publicKey);
  writeSyncConfig(s.db, {
    serverUrl: 'http://127.0.0.1:1/',
    deviceId: DEVICE_ID,
    tenant: 'acme',
    user: 'ada',
    roles: ['field'],
    serverKeyId: 'srv-1',
    serverPublicKey,
    enrolledAt: at,
    contracts: {},
  });
  noteSynced(s.db, at, at, {});
  prepareDevice(s);
  await (await s.secrets()).set(`${DEVICE_KEY}:${DEVICE_ID}`, devicePem);
  const runs = runServiceFor(s, { guard: allowAllGuard() });
  const runIds: string[] = [];
  for (let i = 0; i < (opts.runs ?? 1); i++) runIds.push((await runs.start({ workflow: REPORT_WF, input: report({ reportId: `RPT-2026-${100 + i}` }) })).id);
  const rows = s.db.prepare("SELECT id, idempotency_key, content_hash, tenant FROM outbox WHERE state = 'queued' ORDER BY created_at").all() as {
    id: string;
    idempotency_key: string;
    content_hash: string | null;
    tenant: string;
  }[];
  rows.forEach((r, i) => {
    const body: ReceiptBody = {
      receiptId: `rcpt_${i}`,
      tenant: r.tenant,
      device: DEVICE_ID,
      idempotencyKey: r.idempotency_key,
      contentHash: r.content_hash ?? '',
      serverSeq: i + 1,
      receivedAt: at,
      serverKeyId: 'srv-1',
    };
    s.outbox.markAcked(r.id, { receipt: body, signature: signBase64(server.privateKey, receiptSigningBytes(body)) });
  });
  if (opts.countersign !== false) countersign(s, server.privateKey);
  return { s, runIds, server: { privateKey: server.privateKey, publicRaw: serverPublicKey }, devicePem };
}

/** Store a server checkpoint with the tree head of the whole log, as the sync engine would. */
export function countersign(s: Services, serverKey: KeyObject): CheckpointBody {
  const h = merkleHasher();
  const t = new MemoryTree(h);
  const hashes = s.db.prepare('SELECT hash FROM audit_log ORDER BY seq').pluck().all() as string[];
  for (const x of hashes) t.appendLeafHash(h.leaf(Buffer.from(x, 'hex')));
  const c: CheckpointBody = {
    device: DEVICE_ID,
    seq: hashes.length,
    head: hashes[hashes.length - 1]!,
    serverSeq: 1,
    time: s.clock.now().toISOString(),
    serverKeyId: 'srv-1',
    treeSize: t.size,
    treeRoot: toHex(t.root()),
  };
  s.db
    .prepare('INSERT INTO audit_anchors (seq, head, server_seq, time, checkpoint) VALUES (?, ?, ?, ?, ?)')
    .run(c.seq, c.head, c.serverSeq, c.time, JSON.stringify({ checkpoint: c, signature: signBase64(serverKey, checkpointSigningBytes(c)) }));
  return c;
}
