import { createServer, request, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServices } from '../src/main/app/services';
import { startWebHost } from '../src/main/app/webhost/server';
import { tempDir } from '../src/main/platform/test-utils';
import { emit, percentile, size } from './figure';

// node:http with a keep-alive agent: the client a desktop renderer's fetch most resembles, and
// light enough that the figure measures the server, not the client library.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function post(url: string, headers: Record<string, string>, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function timeRequests(n: number, once: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < size(1500, 20); i++) await once(); // warm-up: JIT and connection set-up are not the figure
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once();
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

export async function run(): Promise<void> {
  const dataDir = tempDir('maestro-bench-');
  const rendererDir = join(dataDir, 'r');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '');
  const services = createServices({ dataDir, host: 'web' });
  services.profile.setup({ name: 'Bench', tenant: 'bench' });
  const host = await startWebHost({ services, rendererDir });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${host.token}` };
  const n = size(5000, 100);
  const app = await timeRequests(n, () => post(`${host.url}api/audit.list`, headers, '{"limit":5}'));
  await host.close();
  services.close();

  // Reference: a bare node:http server answering the same size of JSON, same client, same loopback.
  const body = JSON.stringify({ ok: true, data: { entries: [], total: 0, nextBeforeSeq: null } });
  const bare = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
  const ref = await timeRequests(n, () => post(url, headers, '{"limit":5}'));
  agent.destroy();
  bare.closeAllConnections();
  bare.close();
  emit({
    name: 'api.roundtrip.p99',
    value: percentile(app, 99),
    unit: 'ms',
    ref: percentile(ref, 99),
    refName: 'bare node:http JSON echo, same client',
    target: '< 0.6 (issue 20; first target < 5)',
  });
}
