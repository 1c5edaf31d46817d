import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeServices, tempDir, unlockedVault } from '../../platform/test-utils';
import { createDispatcher } from '../../app/dispatch';

let server: Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

const TOKEN = 'x'.repeat(32);

describe('enrolling against the wrong address', () => {
  it('says a web server that answered is not a sync server, and a closed port that nothing answered', async () => {
    const dataDir = tempDir();
    const s = makeServices({ dataDir, secrets: await unlockedVault(dataDir) });
    s.profile.setup({ name: 'Ada', tenant: 'acme' });
    const d = createDispatcher(s);
    const srv = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>'));
    server = srv;
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
    const wrong = await d('sync.enroll', { serverUrl: url, token: TOKEN });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', details: { reason: 'not_a_sync_server', status: 404 } } });
    expect(!wrong.ok && wrong.error.message).toMatch(/answered, but it is not a Maestro sync server \(HTTP 404\)/);
    // A closed loopback port: nothing answers.
    const closed = await new Promise<number>((r) => {
      const tmp = createServer();
      tmp.listen(0, '127.0.0.1', () => {
        const port = (tmp.address() as AddressInfo).port;
        tmp.close(() => r(port));
      });
    });
    const none = await d('sync.enroll', { serverUrl: `http://127.0.0.1:${closed}/`, token: TOKEN });
    expect(none).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', details: { reason: 'unreachable' } } });
    expect(!none.ok && none.error.message).toMatch(/^Nothing answered at http:\/\/127\.0\.0\.1:\d+/);
    s.close();
  });
});
