// Helpers for the cluster tests: several real sync-server processes on one PostgreSQL schema, the
// deploy HAProxy configuration in front of them, and lightweight simulated devices that sign every
// request and resend, with a new nonce and the same idempotency keys, as the real device does.
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type Agent } from 'node:http';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startServer, type ServerProc } from './server-process';
import { newDeviceKeys, signedHeaders, type DeviceKeys } from '../../src/server/testing/device-client';
import type { TestDb } from '../../src/server/testing/backends';
import { verifyBase64 } from '../../src/platform/ed25519';
import {
  receiptSigningBytes,
  type EnrollResponse,
  type ItemResult,
  type SignedReceipt,
  type SyncBatchResponse,
  type SyncItemWire,
} from '../../src/shared/sync/protocol';
import type { ChangesResponse } from '../../src/shared/team/protocol';

/** HAProxy from the Debian package (/usr/sbin is not on every PATH), or null when not installed. */
export function haproxyPath(): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    if (dir && existsSync(join(dir, 'haproxy'))) return join(dir, 'haproxy');
  }
  return null;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Environment for an instance of the cluster: the shared database and signing key, quick drain. */
export function instanceEnv(db: TestDb, keyFile: string): NodeJS.ProcessEnv {
  return {
    ...db.cliEnv(),
    MAESTRO_SERVER_KEY_FILE: keyFile,
    // The limiter stays in the path, above what the test sends: the figure is correctness, not throttling.
    MAESTRO_SERVER_RATE_PER_SEC: '100000',
    MAESTRO_SERVER_RATE_BURST: '100000',
    // Above HAProxy's inter x fall for /readyz (about 1.25 s), as docs/deployment.md asks.
    MAESTRO_SERVER_DRAIN_DELAY_MS: '1500',
    MAESTRO_SERVER_SHUTDOWN_GRACE_MS: '10000',
  };
}

export interface Instance {
  port: number;
  url: string;
  proc: ServerProc;
}

export async function startInstance(dir: string, port: number, env: NodeJS.ProcessEnv): Promise<Instance> {
  const proc = await startServer(dir, port, env);
  return { port, url: proc.url, proc };
}

/** Resolves with the exit code (or signal) of a server process once it has exited. */
export function exitOf(p: ServerProc): Promise<number | string> {
  const { proc } = p;
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode ?? proc.signalCode!);
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal!)));
}

export interface Balancer {
  url: string;
  proc: ChildProcess;
  /** Server name (s1, s2, …) → HAProxy's status for it (UP, DOWN, MAINT, "UP 1/2", …) and sessions served. */
  servers(): Promise<Record<string, { status: string; sessions: number }>>;
  waitStates(want: Record<string, 'UP' | 'DOWN'>, timeoutMs?: number): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

/** `haproxy -f deploy/haproxy/maestro.cfg -db` with the instances' loopback addresses in its environment. */
export async function startBalancer(bin: string, backends: readonly number[]): Promise<Balancer> {
  const [port, statsPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = { ...process.env, MAESTRO_LB_BIND: `127.0.0.1:${port}`, MAESTRO_LB_STATS_BIND: `127.0.0.1:${statsPort}` };
  backends.forEach((p, i) => (env[`MAESTRO_BACKEND_${i + 1}`] = `127.0.0.1:${p}`));
  const proc = spawn(bin, ['-f', 'deploy/haproxy/maestro.cfg', '-db'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c: Buffer): void => void (out = (out + c.toString()).slice(-200_000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const servers = async (): Promise<Record<string, { status: string; sessions: number }>> => {
    const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
    const rows = csv.split('\n').map((l) => l.split(','));
    const [status, stot] = [rows[0]!.indexOf('status'), rows[0]!.indexOf('stot')];
    return Object.fromEntries(
      rows.filter((r) => r[0] === 'maestro_sync' && /^s\d+$/.test(r[1] ?? '')).map((r) => [r[1]!, { status: r[status]!, sessions: Number(r[stot]) }]),
    );
  };
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const b: Balancer = {
    url: `http://127.0.0.1:${port}/`,
    proc,
    servers,
    async waitStates(want, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      let last: Record<string, string> = {};
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`haproxy exited ${proc.exitCode}: ${out.slice(-2000)}`);
        last = Object.fromEntries(Object.entries(await servers().catch(() => ({}))).map(([k, v]) => [k, v.status]));
        if (Object.entries(want).every(([s, st]) => last[s] === st)) return;
        if (Date.now() > end) throw new Error(`haproxy servers ${JSON.stringify(last)}, wanted ${JSON.stringify(want)}`);
        await sleep(100);
      }
    },
    log: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
  return b;
}

export interface SimDevice extends DeviceKeys {
  id: string;
  tenant: string;
  /** Every item this device made, in order. */
  made: SyncItemWire[];
  /** idempotency key → the receipt the server answered with (the last answer, after any resend). */
  receipts: Map<string, SignedReceipt>;
  /** Pull cursor (the last page's `until`). */
  cursor: number;
}

export interface Traffic {
  /** Resends after a network error or a 502/503/504, by cause. */
  resent: Record<string, number>;
  requests: number;
}

export const newTraffic = (): Traffic => ({ resent: {}, requests: 0 });

const TRANSIENT = new Set([502, 503, 504]);

/**
 * One signed request, resent (new nonce and timestamp, same body) after a network error or a
 * 502/503/504 until it gets another answer or `deadlineMs` passes. Any other non-200 throws.
 */
export async function signedRequest(
  base: string,
  dev: { id: string; privateKey: DeviceKeys['privateKey'] },
  method: 'GET' | 'POST',
  path: string,
  body: string,
  traffic: Traffic,
  deadlineMs = 30_000,
): Promise<unknown> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    traffic.requests++;
    const headers = { 'content-type': 'application/json', ...signedHeaders(dev, method, path, body, new Date()) };
    let cause: string;
    let wait = 100;
    try {
      const res = await fetch(new URL(path, base), { method, headers, ...(method === 'POST' ? { body } : {}), signal: AbortSignal.timeout(40_000) });
      const text = await res.text();
      if (res.status === 200) return JSON.parse(text);
      if (!TRANSIENT.has(res.status)) throw new Error(`device ${dev.id}: ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
      cause = String(res.status);
      wait = Math.min(1000, 1000 * (Number(res.headers.get('retry-after')) || 0.1));
    } catch (err) {
      if (err instanceof Error && err.message.startsWith(`device ${dev.id}:`)) throw err;
      cause = 'network';
    }
    traffic.resent[cause] = (traffic.resent[cause] ?? 0) + 1;
    if (Date.now() > end) throw new Error(`device ${dev.id}: ${method} ${path} still failing (${cause}) after ${deadlineMs} ms`);
    await sleep(wait + Math.random() * 100);
  }
}

export async function enrollDevice(base: string, token: string, tenant: string): Promise<SimDevice> {
  const keys = newDeviceKeys();
  const res = await fetch(new URL('/v1/enroll', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, publicKey: keys.publicKey, deviceName: 'cluster test', appVersion: '1.0.0' }),
  });
  if (res.status !== 200) throw new Error(`enroll failed: ${res.status} ${await res.text()}`);
  const enroll = (await res.json()) as EnrollResponse;
  return { ...keys, id: enroll.deviceId, tenant, made: [], receipts: new Map(), cursor: 0 };
}

/** Sends `items` as one batch until acknowledged; every item must come back accepted or duplicate with a receipt. */
export async function syncBatch(base: string, dev: SimDevice, items: SyncItemWire[], traffic: Traffic): Promise<ItemResult[]> {
  dev.made.push(...items);
  const body = JSON.stringify({ device: dev.id, appVersion: '1.0.0', items });
  const res = (await signedRequest(base, dev, 'POST', '/v1/sync/batch', body, traffic)) as SyncBatchResponse;
  for (const r of res.results) {
    if ((r.status !== 'accepted' && r.status !== 'duplicate') || !r.receipt) throw new Error(`device ${dev.id}: item ${r.status}: ${JSON.stringify(r.error)}`);
    dev.receipts.set(r.idempotencyKey, r.receipt);
  }
  return res.results;
}

/** One page of the team feed from the device's cursor (`wait` > 0 long-polls). */
export async function pull(base: string, dev: SimDevice, traffic: Traffic, wait = 0): Promise<ChangesResponse> {
  const path = `/v1/sync/changes?since=${dev.cursor}&limit=200${wait > 0 ? `&wait=${wait}` : ''}`;
  const page = (await signedRequest(base, dev, 'GET', path, '', traffic, 60_000)) as ChangesResponse;
  if (page.since !== dev.cursor || page.until < dev.cursor)
    throw new Error(`device ${dev.id}: page ${page.since}..${page.until} does not continue ${dev.cursor}`);
  dev.cursor = page.until;
  return page;
}

/** A PEM server key in `dir`, mode 0600, for MAESTRO_SERVER_KEY_FILE. */
export function writeServerKey(dir: string): string {
  const path = join(dir, 'cluster-server-ed25519.pem');
  writeFileSync(path, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  return path;
}

/** The public half of the key file, to check receipts the way a device or an auditor would. */
export function publicKeyOf(keyFile: string): KeyObject {
  return createPublicKey(createPrivateKey(readFileSync(keyFile, 'utf8')));
}

export function receiptVerifies(key: KeyObject, r: SignedReceipt): boolean {
  return verifyBase64(key, receiptSigningBytes(r.receipt), r.signature);
}

/** GET with the path sent byte for byte (fetch would normalise `/./x` and the like). */
export function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One POST over `agent` (node:http, so a benchmark controls connection reuse); any status resolves. */
export function httpPost(url: string, headers: Record<string, string>, body: string, agent: Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
