// Key rotation (issue 18) on one backend: server key statements (CLI and storage), receipts and
// checkpoints before and after the switch, the chain on the wire only for devices that ask, refusal
// of statements not signed by the current key, and device key rotation end to end.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { publicKeyFromRaw, signBase64, verifyBase64 } from '../../platform/ed25519';
import { verifyServerKeyChain } from '../../platform/server-key-chain';
import { certificateSigningBytes, type ChangesResponse } from '../../shared/team/protocol';
import { receiptSigningBytes, type SignedReceipt, type SyncBatchResponse } from '../../shared/sync/protocol';
import { changesResponseSchema } from '../../shared/team/protocol';
import { syncBatchResponseSchema } from '../../shared/sync/schemas';
import {
  deviceKeyProofBytes,
  H_SERVER_KEYS,
  windowAllows,
  type DeviceKeyResponse,
  type ServerKeysResponse,
  type ServerKeyWindow,
} from '../../shared/sync/server-keys';
import { compileSchema } from '../../shared/validation';
import { generateServerKey, serverKeyFrom } from '../crypto/server-key';
import { keyRingOf, openServerKeyRing, SERVER_KEY_DIRNAME } from '../crypto/server-key-ring';
import { introduceServerKey, recordServerKeyStatement, signServerKeyStatement } from '../crypto/rotate';
import type { TestBackend } from './backends';
import { createHarness, T0, type Device, type Harness } from './harness';
import { makeItem, newDeviceKeys, signedHeaders } from './device-client';

const MAIN = join(import.meta.dirname, '..', 'main.ts');
const HOUR = 3_600_000;

function runMain(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** A device's check of a receipt against a verified ring: the named key, inside its window, and the signature. */
function ringVerifies(windows: readonly ServerKeyWindow[], r: SignedReceipt): boolean {
  const w = windows.find((x) => x.keyId === r.receipt.serverKeyId);
  return !!w && windowAllows(w, r.receipt.receivedAt) && verifyBase64(publicKeyFromRaw(w.publicKey), receiptSigningBytes(r.receipt), r.signature);
}

async function sync(h: Harness, dev: Device, items: unknown[], header?: string): Promise<SyncBatchResponse> {
  const body = JSON.stringify({ device: dev.id, appVersion: '1.0.0', items });
  const res = await h.app.request('/v1/sync/batch', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signedHeaders(dev, 'POST', '/v1/sync/batch', body, h.now()),
      ...(header !== undefined ? { [H_SERVER_KEYS]: header } : {}),
    },
    body,
  });
  expect(res.status).toBe(200);
  const out = (await res.json()) as SyncBatchResponse;
  expect(compileSchema(syncBatchResponseSchema)(out)).toBe(true);
  return out;
}

export function defineKeyRotationSuite(backend: TestBackend): void {
  function test(name: string, fn: (h: Harness) => Promise<void>, timeout = 60_000): void {
    it(
      name,
      async (ctx: TestContext) => {
        const reason = backend.skipReason();
        if (reason) {
          ctx.task.meta.skipReason = reason;
          return ctx.skip(reason);
        }
        const db = await backend.open();
        let h: Harness | undefined;
        try {
          h = await createHarness(db);
          await fn(h);
        } finally {
          await h?.serverKey.close();
          await db.dispose();
        }
      },
      timeout,
    );
  }

  describe(`key rotation on ${backend.label}`, () => {
    test('rotate-server-key: receipts before and after the switch verify with the chain, which only devices that ask are sent', async (h) => {
      const key1 = h.serverKey.keyId;
      const dev = await h.enroll();
      expect(dev.enroll.serverKeyId).toBe(key1);
      const itemA = makeItem();
      const before = await sync(h, dev, [itemA]);
      const env = h.db.cliEnv();
      const newKeyFile = join(h.db.dir, SERVER_KEY_DIRNAME, 'next.pem');
      mkdirSync(join(h.db.dir, SERVER_KEY_DIRNAME), { recursive: true });
      const validFrom = new Date(T0 + HOUR).toISOString();
      const bad = await runMain(['rotate-server-key', '--new-key-file', newKeyFile, '--generate'], env);
      expect(bad.code, bad.stderr).toBe(2);
      const out = await runMain(['rotate-server-key', '--new-key-file', newKeyFile, '--generate', '--valid-from', validFrom, '--overlap-days', '2'], env);
      expect(out.code, out.stderr).toBe(0);
      const key2 = /^keyId: ([0-9a-f]{16})$/m.exec(out.stdout)?.[1];
      expect(key2).toBeDefined();
      const [audit] = await h.db.query("SELECT actor, subject FROM server_audit WHERE action = 'server_key.introduced'");
      expect(audit).toMatchObject({ actor: 'cli', subject: key2 });
      const list = await runMain(['server-keys'], env);
      expect(list.stdout.trim().split('\n')).toHaveLength(2);

      const ring = keyRingOf(h.serverKey);
      await ring.refresh();
      // Before validFrom the instance still signs with key 1; from it, with key 2.
      expect((await sync(h, dev, [makeItem()])).results[0]!.receipt!.receipt.serverKeyId).toBe(key1);
      h.advance(2 * HOUR);
      expect(h.serverKey.keyId).toBe(key2);
      const old = await sync(h, dev, [makeItem()]);
      // An old device (no header) never sees the new field.
      expect(old).not.toHaveProperty('serverKeys');
      const after = await sync(h, dev, [makeItem()], key1);
      expect(after.serverKeys).toHaveLength(1);
      // Knows the newest key already: nothing to send.
      expect(await sync(h, dev, [makeItem()], key2)).not.toHaveProperty('serverKeys');
      const chain = verifyServerKeyChain({ keyId: key1, publicKey: dev.enroll.serverPublicKey }, after.serverKeys!);
      if (!chain.ok) throw new Error(chain.reason);
      const r1 = before.results[0]!.receipt!;
      const r2 = after.results[0]!.receipt!;
      expect(r2.receipt.serverKeyId).toBe(key2);
      expect(ringVerifies(chain.windows, r1)).toBe(true);
      expect(ringVerifies(chain.windows, r2)).toBe(true);
      // A key-2 receipt dated before key 2's window is not accepted.
      expect(ringVerifies(chain.windows, { ...r2, receipt: { ...r2.receipt, receivedAt: new Date(T0).toISOString() } })).toBe(false);

      // The duplicate of the first item still carries its key-1 receipt, byte for byte.
      const dup = await sync(h, dev, [itemA]);
      expect(dup.results[0]).toMatchObject({ status: 'duplicate', receipt: r1 });

      // Pull and GET /v1/server-keys carry the same chain; certificates issued now name key 2.
      const changes = await h.app.request('/v1/sync/changes?since=0', {
        headers: { ...signedHeaders(dev, 'GET', '/v1/sync/changes?since=0', '', h.now()), [H_SERVER_KEYS]: key1 },
      });
      const page = (await changes.json()) as ChangesResponse;
      expect(compileSchema(changesResponseSchema)(page)).toBe(true);
      expect(page.serverKeys).toEqual(after.serverKeys);
      const keysRes = await h.signed(dev, 'GET', '/v1/server-keys');
      expect(keysRes.status).toBe(200);
      const keys = (await keysRes.json()) as ServerKeysResponse;
      expect(keys).toEqual({ root: { keyId: key1, publicKey: dev.enroll.serverPublicKey }, statements: after.serverKeys });
      const late = await h.enroll();
      expect(late.enroll.serverKeyId).toBe(key2);
      expect(late.enroll.certificate.cert.serverKeyId).toBe(key2);
    });

    test('a statement not signed by the current key is refused and nothing is stored', async (h) => {
      const ring = keyRingOf(h.serverKey);
      const current = ring.byId(h.serverKey.keyId)!;
      const stranger = generateServerKey();
      const next = generateServerKey();
      const v = { validFrom: h.now(), previousValidUntil: new Date(T0 + HOUR), issuedAt: h.now() };
      // Signed by a key that is not in the chain.
      const forged = await recordServerKeyStatement(h.db.storage, ring, signServerKeyStatement(stranger, next, 2, v), h.now(), 'test');
      expect(forged).toMatchObject({ ok: false, code: 'NOT_CURRENT_KEY' });
      // Names the current key but the signature is the stranger's.
      const s = signServerKeyStatement(current, next, 2, v);
      const spoofed = { ...s, sigPrev: signServerKeyStatement(stranger, next, 2, v).sigPrev };
      expect(await recordServerKeyStatement(h.db.storage, ring, spoofed, h.now(), 'test')).toMatchObject({ ok: false, code: 'BAD_STATEMENT' });
      expect(await h.db.storage.listServerKeys()).toHaveLength(1);
      expect(await h.db.query("SELECT seq FROM server_audit WHERE action = 'server_key.introduced'")).toEqual([]);
      // After a rotation the old key is no longer current.
      expect(await introduceServerKey(h.db.storage, ring, { current, next, ...v, now: h.now(), actor: 'test' })).toMatchObject({ ok: true });
      const third = generateServerKey();
      const stale = signServerKeyStatement(current, third, 3, { ...v, validFrom: new Date(T0 + 2 * HOUR), previousValidUntil: new Date(T0 + 3 * HOUR) });
      expect(await recordServerKeyStatement(h.db.storage, ring, stale, h.now(), 'test')).toMatchObject({ ok: false, code: 'NOT_CURRENT_KEY' });
      expect(await h.db.storage.listServerKeys()).toHaveLength(2);
      // An instance (or the CLI) with a key of its own is refused: exit 1, nothing stored.
      const foreign = join(h.db.dir, 'foreign.pem');
      writeFileSync(foreign, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
      await expect(
        openServerKeyRing({ storage: h.db.storage, primary: serverKeyFrom(generateKeyPairSync('ed25519').privateKey), now: h.now() }),
      ).rejects.toThrow(/not in server_keys/);
      const cli = await runMain(['rotate-server-key', '--new-key-file', join(h.db.dir, 'n.pem'), '--generate', '--valid-from', '2030-01-01T00:00:00Z'], {
        ...h.db.cliEnv(),
        MAESTRO_SERVER_KEY_FILE: foreign,
      });
      expect(cli.code, cli.stderr).toBe(1);
      expect(cli.stdout).toMatch(/not in server_keys/);
      expect(await h.db.storage.listServerKeys()).toHaveLength(2);
    });

    test('device key rotation: the old key stops authenticating, the new one works, both are kept, the certificate moves on', async (h) => {
      const dev = await h.enroll();
      const next = newDeviceKeys();
      const at = h.now().toISOString();
      const proofOf = (publicKey: string, signer = next.privateKey, previousKey = dev.publicKey) =>
        signBase64(signer, deviceKeyProofBytes({ type: 'maestro.device-key.v1', device: dev.id, previousKey, publicKey, at }));
      // A proof not made by the new key: refused, nothing changes.
      const wrong = await h.signed(
        dev,
        'POST',
        '/v1/device/signing-key',
        JSON.stringify({ publicKey: next.publicKey, at, proof: proofOf(next.publicKey, dev.privateKey) }),
      );
      expect(wrong.status).toBe(400);
      const res = await h.signed(dev, 'POST', '/v1/device/signing-key', JSON.stringify({ publicKey: next.publicKey, at, proof: proofOf(next.publicKey) }));
      expect(res.status).toBe(200);
      const body = (await res.json()) as DeviceKeyResponse;
      expect(body.version).toBe(2);
      expect(body.certificate.cert).toMatchObject({ signingKey: next.publicKey, certVersion: dev.enroll.certificate.cert.certVersion + 1 });
      expect(h.serverKey.verify(certificateSigningBytes(body.certificate.cert), body.certificate.signature)).toBe(true);
      // The old key no longer authenticates; the new one does.
      expect((await h.batch(dev, [makeItem()])).status).toBe(401);
      const moved = { ...dev, privateKey: next.privateKey, publicKey: next.publicKey };
      expect((await h.batch(moved, [makeItem()])).status).toBe(200);
      expect((await h.db.storage.deviceKeys(dev.id)).map((k) => [k.version, k.publicKey, k.replacedAt !== null])).toEqual([
        [1, dev.publicKey, true],
        [2, next.publicKey, false],
      ]);
      const [a] = await h.db.query("SELECT actor, payload FROM server_audit WHERE action = 'device.key_rotated'");
      const payload: unknown = typeof a!.payload === 'string' ? JSON.parse(a!.payload) : a!.payload;
      expect(a!.actor).toBe(dev.id);
      expect(payload).toMatchObject({ version: 2, previousKey: dev.publicKey, publicKey: next.publicKey });
      // The same key again is refused (it is the device's key now); so is the old one.
      const again = await h.signed(
        moved,
        'POST',
        '/v1/device/signing-key',
        JSON.stringify({ publicKey: next.publicKey, at, proof: proofOf(next.publicKey, next.privateKey, next.publicKey) }),
      );
      expect(again.status).toBe(409);
      const back = await h.signed(
        moved,
        'POST',
        '/v1/device/signing-key',
        JSON.stringify({ publicKey: dev.publicKey, at, proof: proofOf(dev.publicKey, dev.privateKey, next.publicKey) }),
      );
      expect(back.status).toBe(409);
      expect(await h.db.storage.deviceKeys(dev.id)).toHaveLength(2);
    });
  });
}
