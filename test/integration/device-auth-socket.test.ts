// Device authentication over a real loopback socket (@hono/node-server), where a body with a
// Content-Length is read straight from the socket and hashed as it arrives (decision 0020), and a
// body over the limit is refused by its header before a byte of it is read.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeTransport, sendBytes } from '../../src/main/platform/device/signed-fetch';
import { ATTACHMENTS_PATH, CHUNK_BYTES } from '../../src/shared/sync/attachments';
import { sqliteBackend, type TestDb } from '../../src/server/testing/backends';
import { createHarness, type Harness } from '../../src/server/testing/harness';

let db: TestDb | null = null;
let server: ServerType | null = null;

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
  await db?.dispose();
  db = null;
});

async function listen(): Promise<{ h: Harness; url: string }> {
  db = await sqliteBackend.open();
  const h = await createHarness(db);
  const s = serve({ fetch: (req, env) => h.app.fetch(req, env), hostname: '127.0.0.1', port: 0 });
  server = s;
  await new Promise<void>((r) => (s.listening ? r() : s.once('listening', () => r())));
  return { h, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

const blob = 'ab'.repeat(32);

describe('device authentication over a socket', () => {
  it('verifies a body sent in pieces and refuses one whose signed digest is not of these bytes', async () => {
    const { h, url } = await listen();
    const dev = await h.enroll();
    const signer = { deviceId: dev.id, key: dev.privateKey, now: h.now };
    const body = JSON.stringify({ size: 10, chunkBytes: CHUNK_BYTES, chunks: 1, keyVersion: 1 });
    const parts = [Buffer.from(body.slice(0, 7)), Buffer.from(body.slice(7))];
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(body).digest('hex');
    // Authenticated: the route answers that this test server has no attachment store.
    const ok = await sendBytes(nodeTransport, url, 'POST', `${ATTACHMENTS_PATH}/${blob}`, { parts, sha256 }, signer);
    expect(ok.status).toBe(503);
    expect(ok.json).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    // The same request signed over other bytes.
    const bad = await sendBytes(nodeTransport, url, 'POST', `${ATTACHMENTS_PATH}/${blob}`, { parts, sha256: '0'.repeat(64) }, signer);
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED', details: { reason: 'bad_signature' } } });
  });

  it('refuses a chunk over the sealed-chunk limit by its Content-Length', async () => {
    const { h, url } = await listen();
    const dev = await h.enroll();
    const signer = { deviceId: dev.id, key: dev.privateKey, now: h.now };
    const reply = await sendBytes(nodeTransport, url, 'PUT', `${ATTACHMENTS_PATH}/${blob}/chunks/0`, Buffer.alloc(CHUNK_BYTES + 17), signer);
    expect(reply.status).toBe(413);
    expect(reply.json).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });
});
