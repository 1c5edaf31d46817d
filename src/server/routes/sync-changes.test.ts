// SQLite ingest writes a batch in one transaction with its receipts already signed, so a failed
// signing stores nothing. A server from before that wrote rows first and signatures in a second
// transaction: a crash in between left a committed feed row whose receipt_sig is ''. The pull signs
// such a receipt itself (Ed25519 is deterministic: the signature the row lacks), and the device's
// resend repairs the row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { receiptSigningBytes, type SyncBatchResponse } from '../../shared/sync/protocol';
import { TEAM_CONTRACTS, type ChangesResponse } from '../../shared/team/protocol';
import { createApp } from '../app';
import { registryFromRows } from '../contracts';
import { generateServerKey, type ServerKey } from '../crypto/server-key';
import { createEnrollmentToken } from '../enrollment-tokens';
import { createJsonLogger } from '../logger';
import { openSqliteStorage } from '../storage/sqlite';
import type { Role, ServerStorage } from '../storage/types';
import { makeItem, newDeviceKeys, signedHeaders, type DeviceKeys } from '../testing/device-client';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const now = (): Date => new Date(T0);

let dir: string;
let storage: ServerStorage;
let app: ReturnType<typeof createApp>;
let failSigning = false;
const realKey = generateServerKey();
// The server key, except that batch signing can be made to fail (a worker dying mid-batch).
const serverKey: ServerKey = { ...realKey, signMany: (ms) => (failSigning ? Promise.reject(new Error('signer died')) : realKey.signMany(ms)) };

type Dev = DeviceKeys & { id: string };
const send = (dev: Dev, method: string, path: string, body = ''): Promise<Response> =>
  Promise.resolve(
    app.request(path, {
      method,
      headers: { ...(method === 'GET' ? {} : { 'content-type': 'application/json' }), ...signedHeaders(dev, method, path, body, now()) },
      ...(method === 'GET' ? {} : { body }),
    }),
  );

async function enroll(role: Role): Promise<Dev> {
  const { token } = await createEnrollmentToken(storage, now(), { tenant: 'acme', user: 'ana', role }, 'test');
  const keys = newDeviceKeys();
  const res = await app.request('/v1/enroll', {
    method: 'POST',
    body: JSON.stringify({ token, publicKey: keys.publicKey, deviceName: 'd', appVersion: '1.0.0' }),
  });
  expect(res.status).toBe(200);
  return { ...keys, id: ((await res.json()) as { deviceId: string }).deviceId };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-changes-'));
  storage = openSqliteStorage(join(dir, 'server.db'));
  failSigning = false;
  app = createApp({
    storage,
    version: '0.0.0-test',
    clock: { now },
    logger: createJsonLogger('test', () => {}),
    startedAt: T0,
    serverKey,
    contracts: registryFromRows([]),
    rateLimit: { perSecond: 1000, burst: 1000 },
  });
});

afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/sync/changes on SQLite', () => {
  it('a batch whose signing fails stores nothing; its resend is stored whole', async () => {
    const field = await enroll('field');
    const item = makeItem({ kind: 'run', contract: TEAM_CONTRACTS.run, keyScope: 'tenant' });
    const batch = JSON.stringify({ device: field.id, appVersion: '1.0.0', items: [item] });
    failSigning = true;
    expect((await send(field, 'POST', '/v1/sync/batch', batch)).status).toBe(500);
    const counts = (): unknown => {
      const raw = new Database(join(dir, 'server.db'), { readonly: true });
      try {
        return raw.prepare("SELECT (SELECT COUNT(*) FROM sync_items) AS items, (SELECT COUNT(*) FROM team_feed WHERE kind = 'item') AS feed").get();
      } finally {
        raw.close();
      }
    };
    expect(counts()).toEqual({ items: 0, feed: 0 });
    failSigning = false;
    const res = (await (await send(field, 'POST', '/v1/sync/batch', batch)).json()) as SyncBatchResponse;
    expect(res.results[0]).toMatchObject({ status: 'accepted' });
    expect(realKey.verify(receiptSigningBytes(res.results[0]!.receipt!.receipt), res.results[0]!.receipt!.signature)).toBe(true);
    expect(counts()).toEqual({ items: 1, feed: 1 });
  });

  it('serves an item a crash left unsigned (older servers) with the signature it lacks; a resend repairs it', async () => {
    const reviewer = await enroll('reviewer');
    const field = await enroll('field');
    const item = makeItem({ kind: 'run', contract: TEAM_CONTRACTS.run, keyScope: 'tenant' });
    const batch = JSON.stringify({ device: field.id, appVersion: '1.0.0', items: [item] });
    const first = (await (await send(field, 'POST', '/v1/sync/batch', batch)).json()) as SyncBatchResponse;
    const raw = new Database(join(dir, 'server.db'));
    try {
      raw.prepare("UPDATE sync_items SET receipt_sig = ''").run();
      expect(raw.prepare('SELECT receipt_sig FROM sync_items').all()).toEqual([{ receipt_sig: '' }]);
    } finally {
      raw.close();
    }

    const res = await send(reviewer, 'GET', '/v1/sync/changes?since=0');
    expect(res.status).toBe(200);
    const page = (await res.json()) as ChangesResponse;
    const row = page.items.find((i) => i.kind === 'item')!.item!;
    expect(row.wire).toEqual(item);
    expect(row.receipt.signature).not.toBe('');
    expect(realKey.verify(receiptSigningBytes(row.receipt.receipt), row.receipt.signature)).toBe(true);

    expect(row.receipt).toEqual(first.results[0]!.receipt);
    // The device's resend repairs the row: the same receipt, signature included.
    const again = (await (await send(field, 'POST', '/v1/sync/batch', batch)).json()) as SyncBatchResponse;
    expect(again.results[0]).toMatchObject({ status: 'duplicate', receipt: row.receipt });
  });
});
