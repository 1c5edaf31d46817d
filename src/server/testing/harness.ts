// An app on a test database with a controllable clock, plus the device-side steps tests repeat:
// enroll (through the real endpoint), sign and send requests, snapshot every table.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { AuditAnchorWire, DeviceStateWire, EnrollResponse } from '../../shared/sync/protocol';
import type { RateLimitOptions } from '../auth/rate-limit';
import { createApp, type ServerDeps } from '../app';
import { seedContracts, type ContractRegistry } from '../contracts';
import { SERVER_KEY_FILENAME, serverKeyFrom, type ServerKey } from '../crypto/server-key';
import { openServerKeyRing, ringKey, SERVER_KEY_DIRNAME } from '../crypto/server-key-ring';
import { createEnrollmentToken } from '../enrollment-tokens';
import type { AppEnv } from '../http';
import { createJsonLogger, type LogSink } from '../logger';
import type { Role } from '../storage/types';
import type { TestDb } from './backends';
import { newDeviceKeys, signedHeaders, type DeviceKeys, type SignOptions } from './device-client';

export const T0 = Date.parse('2025-03-01T12:00:00.000Z');
export const TABLES = [
  'enrollment_tokens',
  'devices',
  'nonces',
  'sync_items',
  'device_audit_hashes',
  'equivocations',
  'server_audit',
  'contract_versions',
  'device_snapshots',
  'tenant_risk_policies',
  'server_meta',
  'device_certs',
  'tenant_key_versions',
  'wrapped_keys',
  'approval_claims',
  'team_feed',
] as const;
/** Tables small enough in tests to compare row by row (an UPDATE changes no count). */
const ROW_TABLES: Partial<Record<(typeof TABLES)[number], string>> = {
  devices: 'SELECT * FROM devices ORDER BY id',
  device_snapshots: 'SELECT * FROM device_snapshots ORDER BY day, device',
  tenant_risk_policies: 'SELECT * FROM tenant_risk_policies ORDER BY tenant',
  server_meta: 'SELECT * FROM server_meta ORDER BY key',
};

// lab.record.specimen has a 1.x and a 2.x, so the registry sees a breaking version.
export const CONTRACT_FILES = ['field.inspect.site@1.2.0', 'lab.record.specimen@1.0.0', 'lab.record.specimen@2.0.1'];

export interface Device extends DeviceKeys {
  id: string;
  tenant: string;
  enroll: EnrollResponse;
  /** The X25519 pair registered at enrollment (null when enrolled without one). */
  encryption: { privateKey: KeyObject; publicKey: string } | null;
}

/** A fresh X25519 pair: the base64 raw public key, as EnrollRequest.encryptionKey carries it. */
export function newEncryptionKeys(): { privateKey: KeyObject; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { privateKey, publicKey: Buffer.from(jwk.x!, 'base64url').toString('base64') };
}

export interface Harness {
  db: TestDb;
  /** The app now serving (a new one after reseedContracts). */
  readonly app: Hono<AppEnv>;
  contracts: ContractRegistry;
  serverKey: ServerKey;
  now(): Date;
  advance(ms: number): void;
  /** `encryptionKey: false` enrolls like a device from before team sync (no X25519 key). */
  enroll(opts?: { role?: Role; tenant?: string; user?: string; name?: string; encryptionKey?: boolean }): Promise<Device>;
  signed(dev: { id: string; privateKey: DeviceKeys['privateKey'] }, method: string, path: string, body?: string, opts?: SignOptions): Promise<Response>;
  batch(
    dev: Device,
    items: unknown[],
    extra?: { anchor?: AuditAnchorWire; appVersion?: string; device?: string; deviceState?: DeviceStateWire },
  ): Promise<Response>;
  /** Row counts of every table plus the full rows of the small ones: equal snapshots mean nothing was written. */
  snapshot(): Promise<Record<string, unknown>>;
  /**
   * A server restart with more contract files in its contracts dir: seeds them as main.ts does at
   * startup (registry + stored risk levels), then serves with the new registry on the same database.
   */
  reseedContracts(extra: readonly string[]): Promise<ContractRegistry>;
  count(table: (typeof TABLES)[number]): Promise<number>;
}

export interface HarnessOptions {
  rateLimit?: RateLimitOptions;
  maxSyncBodyBytes?: number;
  /** Contract refs in the contracts dir (default CONTRACT_FILES). */
  contractFiles?: readonly string[];
  /** Receives every log line (default: dropped). */
  logSink?: LogSink;
  /** The bearer token GET /metrics then requires (app.request has no loopback peer). */
  metricsToken?: string;
}

export async function createHarness(db: TestDb, opts: HarnessOptions = {}): Promise<Harness> {
  let nowMs = T0;
  const clock = { now: () => new Date(nowMs) };
  const contractsDir = join(db.dir, 'contracts');
  mkdirSync(contractsDir, { recursive: true });
  const writeContracts = (refs: readonly string[]): void => {
    for (const c of refs) writeFileSync(join(contractsDir, `${c}.json`), JSON.stringify({ contract: c, title: c }));
  };
  writeContracts(opts.contractFiles ?? CONTRACT_FILES);
  const contracts = await seedContracts(db.storage, contractsDir, clock.now());
  // Written where the CLI (main.ts) looks for it next to the database, so certificates it issues
  // verify with the same key as the app's.
  const { privateKey: serverPrivateKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(db.dir, SERVER_KEY_FILENAME), serverPrivateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  // A ring over the chain in server_keys (seeded with this key), as main.ts builds it: key rotation tests add keys to it.
  const serverKey = ringKey(
    await openServerKeyRing({ storage: db.storage, primary: serverKeyFrom(serverPrivateKey), keyDir: join(db.dir, SERVER_KEY_DIRNAME), now: clock.now() }),
    clock,
  );
  let deps: ServerDeps = {
    storage: db.storage,
    version: '0.0.0-test',
    clock,
    logger: createJsonLogger('test', opts.logSink ?? (() => {})),
    startedAt: T0,
    serverKey,
    contracts,
    rateLimit: opts.rateLimit ?? { perSecond: 1000, burst: 1000 },
    ...(opts.maxSyncBodyBytes ? { maxSyncBodyBytes: opts.maxSyncBodyBytes } : {}),
    ...(opts.metricsToken ? { metricsToken: opts.metricsToken } : {}),
  };
  let app = createApp(deps);

  const count = async (table: string): Promise<number> => Number((await db.query(`SELECT COUNT(*) AS n FROM ${table}`))[0]?.n);
  const h: Harness = {
    db,
    get app() {
      return app;
    },
    contracts,
    serverKey,
    now: clock.now,
    advance: (ms) => {
      nowMs += ms;
    },
    async enroll({ role = 'field', tenant = 'acme', user = 'ana', name = 'Test laptop', encryptionKey = true } = {}) {
      const { token } = await createEnrollmentToken(db.storage, clock.now(), { tenant, user, role }, 'test');
      const keys = newDeviceKeys();
      const encryption = encryptionKey ? newEncryptionKeys() : null;
      const res = await app.request('/v1/enroll', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          token,
          publicKey: keys.publicKey,
          deviceName: name,
          appVersion: '1.0.0',
          ...(encryption ? { encryptionKey: encryption.publicKey } : {}),
        }),
      });
      if (res.status !== 200) throw new Error(`enroll failed: ${res.status} ${await res.text()}`);
      const enroll = (await res.json()) as EnrollResponse;
      return { ...keys, id: enroll.deviceId, tenant, enroll, encryption };
    },
    async reseedContracts(extra) {
      writeContracts(extra);
      const registry = await seedContracts(db.storage, contractsDir, clock.now());
      deps = { ...deps, contracts: registry };
      app = createApp(deps);
      h.contracts = registry;
      return registry;
    },
    signed: async (dev, method, path, body = '', o = {}) =>
      app.request(path, {
        method,
        headers: { 'content-type': 'application/json', ...signedHeaders(dev, method, path, body, clock.now(), o) },
        ...(method === 'GET' ? {} : { body }),
      }),
    batch: (dev, items, extra = {}) => {
      const body: Record<string, unknown> = { device: extra.device ?? dev.id, appVersion: extra.appVersion ?? '1.0.0', items };
      if (extra.anchor) body.anchor = extra.anchor;
      if (extra.deviceState) body.deviceState = extra.deviceState;
      return h.signed(dev, 'POST', '/v1/sync/batch', JSON.stringify(body));
    },
    async snapshot() {
      const out: Record<string, unknown> = {};
      for (const t of TABLES) out[t] = await count(t);
      for (const [t, sql] of Object.entries(ROW_TABLES)) out[t === 'devices' ? 'deviceRows' : `${t}Rows`] = JSON.stringify(await db.query(sql));
      return out;
    },
    count,
  };
  return h;
}
