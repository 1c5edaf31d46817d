// Races across two real sync-server processes on one PostgreSQL schema (no balancer: each request
// of a pair goes to a different instance, both at once), each repeated 200 times:
// - one enrollment token presented to both instances enrols exactly one device;
// - one item sent to both (two signed requests, same idempotency key) is stored once, and both
//   answers carry byte-equal receipts;
// - two items sent to both in opposite orders (the lock order that deadlocks without a fixed one)
//   are stored once each, with equal receipts.
// Skipped, with the reason, without PostgreSQL.
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { createEnrollmentToken } from '../../src/server/enrollment-tokens';
import { postgresBackend, type TestDb } from '../../src/server/testing/backends';
import { makeItem, newDeviceKeys } from '../../src/server/testing/device-client';
import { canonicalJson } from '../../src/shared/canonical';
import type { SyncBatchResponse, SyncItemWire } from '../../src/shared/sync/protocol';
import {
  enrollDevice,
  instanceEnv,
  newTraffic,
  publicKeyOf,
  receiptVerifies,
  signedRequest,
  startInstance,
  writeServerKey,
  type Instance,
  type SimDevice,
} from './cluster';
import { freePort } from './server-process';

const backend = postgresBackend();
const ROUNDS = 200;

let db: TestDb | undefined;
let keyFile = '';
const inst: Instance[] = [];

beforeAll(async () => {
  if (backend.skipReason()) return;
  db = await backend.open();
  keyFile = writeServerKey(db.dir);
  const env = instanceEnv(db, keyFile);
  inst.push(...(await Promise.all([await freePort(), await freePort()].map((p) => startInstance(db!.dir, p, env)))));
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(inst.map((i) => i.proc.stop('SIGKILL')));
  await db?.dispose();
});

function skipWithout(ctx: TestContext): boolean {
  const reason = backend.skipReason();
  if (!reason) return false;
  ctx.task.meta.skipReason = reason;
  ctx.skip(reason);
  return true;
}

/** The same batch body to both instances at once, each a separately signed request (own nonce). */
async function sendToBoth(dev: SimDevice, items: SyncItemWire[]): Promise<[SyncBatchResponse, SyncBatchResponse]> {
  const body = JSON.stringify({ device: dev.id, appVersion: '1.0.0', items });
  const traffic = newTraffic();
  const [a, b] = (await Promise.all(inst.map((i) => signedRequest(i.url, dev, 'POST', '/v1/sync/batch', body, traffic, 0)))) as SyncBatchResponse[];
  expect(traffic.resent).toEqual({});
  return [a!, b!];
}

/** Per idempotency key: one instance stored it (accepted), the other found it (duplicate), same receipt bytes. */
function expectStoredOnce(a: SyncBatchResponse, b: SyncBatchResponse, keys: string[]): void {
  for (const k of keys) {
    const [ra, rb] = [a.results.find((r) => r.idempotencyKey === k)!, b.results.find((r) => r.idempotencyKey === k)!];
    expect([ra.status, rb.status].sort()).toEqual(['accepted', 'duplicate']);
    expect(canonicalJson(ra.receipt)).toBe(canonicalJson(rb.receipt));
    expect(receiptVerifies(publicKeyOf(keyFile), ra.receipt!)).toBe(true);
  }
}

async function storedCount(device: string): Promise<{ n: number; d: number }> {
  const [r] = await db!.query('SELECT COUNT(*) AS n, COUNT(DISTINCT idempotency_key) AS d FROM sync_items WHERE device = $1', [device]);
  return { n: Number(r!.n), d: Number(r!.d) };
}

describe(`two instances on one PostgreSQL, ${ROUNDS} rounds each`, () => {
  it('one enrollment token presented to both at once enrols exactly one device', async (ctx) => {
    if (skipWithout(ctx)) return;
    for (let i = 0; i < ROUNDS; i++) {
      const { token } = await createEnrollmentToken(db!.storage, new Date(), { tenant: 'race', user: `u${i}`, role: 'field' }, 'race-test');
      const answers = await Promise.all(
        inst.map(async (s) => {
          const res = await fetch(new URL('/v1/enroll', s.url), {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token, publicKey: newDeviceKeys().publicKey, deviceName: 'race', appVersion: '1.0.0' }),
          });
          return { status: res.status, body: (await res.json()) as { deviceId?: string; error?: { details?: { reason?: string } } } };
        }),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
      expect(answers.find((a) => a.status === 401)!.body.error?.details?.reason).toBe('enrollment_token');
      const winner = answers.find((a) => a.status === 200)!.body.deviceId;
      const used = await db!.query('SELECT used_by FROM enrollment_tokens WHERE used_by = $1', [winner]);
      expect(used).toHaveLength(1);
    }
    const [devices] = await db!.query(`SELECT COUNT(*) AS n FROM devices WHERE tenant = 'race'`);
    expect(Number(devices!.n)).toBe(ROUNDS);
  }, 120_000);

  it('one item sent to both at once is stored once, and both answers carry byte-equal receipts', async (ctx) => {
    if (skipWithout(ctx)) return;
    const { token } = await createEnrollmentToken(db!.storage, new Date(), { tenant: 'race-items', user: 'ana', role: 'field' }, 'race-test');
    const dev = await enrollDevice(inst[0]!.url, token, 'race-items');
    for (let i = 0; i < ROUNDS; i++) {
      const item = makeItem();
      const [a, b] = await sendToBoth(dev, [item]);
      expectStoredOnce(a, b, [item.idempotencyKey]);
    }
    expect(await storedCount(dev.id)).toEqual({ n: ROUNDS, d: ROUNDS });
  }, 120_000);

  it('two items sent to both at once in opposite orders are stored once each (no deadlock)', async (ctx) => {
    if (skipWithout(ctx)) return;
    const { token } = await createEnrollmentToken(db!.storage, new Date(), { tenant: 'race-pairs', user: 'bo', role: 'field' }, 'race-test');
    const dev = await enrollDevice(inst[1]!.url, token, 'race-pairs');
    for (let i = 0; i < ROUNDS; i++) {
      const [x, y] = [makeItem(), makeItem()];
      const body = (items: SyncItemWire[]): string => JSON.stringify({ device: dev.id, appVersion: '1.0.0', items });
      const traffic = newTraffic();
      const [a, b] = (await Promise.all([
        signedRequest(inst[0]!.url, dev, 'POST', '/v1/sync/batch', body([x, y]), traffic, 0),
        signedRequest(inst[1]!.url, dev, 'POST', '/v1/sync/batch', body([y, x]), traffic, 0),
      ])) as SyncBatchResponse[];
      expect(traffic.resent).toEqual({});
      expectStoredOnce(a!, b!, [x.idempotencyKey, y.idempotencyKey]);
    }
    expect(await storedCount(dev.id)).toEqual({ n: 2 * ROUNDS, d: 2 * ROUNDS });
  }, 120_000);
});
