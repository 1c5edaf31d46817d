// Test and bench fixtures: a throwaway trust root with its keys, bundles built from it, and a
// bundle store on its own database. Never used by the app.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { sealResources } from './seal';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../platform/db/connection';
import { createAuditService, type AuditService } from '../../platform/audit/index';
import { createEventBus, type EventBus } from '../../platform/events';
import { createHealthRegistry } from '../../platform/health';
import { createCardStore, type CardStore } from '../cards/index';
import { silentLogger } from '../../platform/util/logger';
import type { Clock } from '../../platform/util/clock';
import type { BundleInfo, Envelope, RoleName, RootMeta, SnapshotMeta, TargetsMeta, TimestampMeta } from '../../../shared/bundles/types';
import type { AdmitCheck } from './types';
import { generateSigningKey, signEnvelope, type SigningKey } from './keys';
import { buildBundle, isoIn, metaBytes, newRoot, type BuildOptions, type BuiltBundle } from './build';
import { sha256 } from './verify';
import { BundleStore } from './store';
import type { Message } from '../../../shared/messages';

export interface TestRepo {
  keys: Record<RoleName, SigningKey[]>;
  thresholds: Record<RoleName, number>;
  roots: Envelope<RootMeta>[];
  root: Envelope<RootMeta>;
  /** Build a bundle from `files` into `out` (a fresh directory). */
  build(out: string, info: Partial<BundleInfo> & { name: string }, files: Record<string, string | Buffer>, o?: Partial<BuildOptions>): BuiltBundle;
  /** Rotate to root N+1 with new keys for the given roles, signed by the old root keys and the new ones. */
  rotate(newKeys: Partial<Record<RoleName, SigningKey[]>>, thresholds?: Partial<Record<RoleName, number>>, signers?: SigningKey[]): Envelope<RootMeta>;
}

export function makeRepo(o: { now?: Date; keysPerRole?: Partial<Record<RoleName, number>>; thresholds?: Partial<Record<RoleName, number>> } = {}): TestRepo {
  const now = o.now ?? new Date();
  const count = { root: 1, targets: 1, snapshot: 1, timestamp: 1, ...o.keysPerRole };
  const keys = Object.fromEntries(
    (['root', 'targets', 'snapshot', 'timestamp'] as RoleName[]).map((r) => [r, Array.from({ length: count[r] }, generateSigningKey)]),
  ) as Record<RoleName, SigningKey[]>;
  const thresholds = { root: 1, targets: 1, snapshot: 1, timestamp: 1, ...o.thresholds };
  const root1 = signEnvelope(newRoot({ expires: isoIn(now, 365), keys, thresholds }), keys.root);
  const repo: TestRepo = {
    keys,
    thresholds,
    roots: [root1],
    root: root1,
    build(out, info, files, bo = {}) {
      const content = `${out}.content`;
      mkdirSync(content, { recursive: true });
      for (const [p, body] of Object.entries(files)) {
        mkdirSync(join(content, p, '..'), { recursive: true });
        writeFileSync(join(content, p), body);
      }
      return buildBundle({
        contentDir: content,
        out,
        info: { kind: 'prompts', version: '1.0.0', description: null, ...info } as BundleInfo,
        keys: {
          targets: repo.keys.targets.slice(0, repo.thresholds.targets),
          snapshot: repo.keys.snapshot.slice(0, repo.thresholds.snapshot),
          timestamp: repo.keys.timestamp.slice(0, repo.thresholds.timestamp),
        },
        roots: repo.roots,
        now,
        ...bo,
      });
    },
    rotate(newKeys, th = {}, signers) {
      const old = repo.root;
      const nextKeys = { ...repo.keys, ...newKeys };
      const nextTh = { ...repo.thresholds, ...th };
      const body = newRoot({ version: old.signed.version + 1, expires: isoIn(now, 365), keys: nextKeys, thresholds: nextTh });
      const oldSigners = repo.keys.root.slice(0, repo.thresholds.root);
      const newSigners = nextKeys.root.slice(0, nextTh.root);
      const env = signEnvelope(body, signers ?? [...new Map([...oldSigners, ...newSigners].map((k) => [k.keyid, k])).values()]);
      repo.keys = nextKeys;
      repo.thresholds = nextTh;
      repo.roots = [...repo.roots, env];
      repo.root = env;
      return env;
    },
  };
  return repo;
}

export interface StoreFixture {
  store: BundleStore;
  db: Db;
  audit: AuditService;
  events: EventBus;
  cards: CardStore;
  alerts: { code: string; message: Message }[];
  dataDir: string;
}

export function makeStore(o: {
  dataDir: string;
  root: Envelope<RootMeta> | null;
  clock?: Clock | ((db: Db) => Clock);
  dbPath?: string;
  keepPrevious?: number;
  onBoundary?: (b: 'staged' | 'renamed') => void;
  admit?: AdmitCheck;
}): StoreFixture {
  const db = openDatabase(o.dbPath ?? join(o.dataDir, 'maestro.db'));
  const clock: Clock = typeof o.clock === 'function' ? o.clock(db) : (o.clock ?? { now: () => new Date() });
  const events = createEventBus();
  const audit = createAuditService({ db, clock, events, health: createHealthRegistry() });
  const cards = createCardStore({ db, clock, audit });
  const alerts: { code: string; message: Message }[] = [];
  const store = new BundleStore({
    db,
    dataDir: o.dataDir,
    clock,
    audit,
    events,
    cards,
    logger: silentLogger,
    pinnedRoot: o.root,
    alert: (code, message) => alerts.push({ code, message }),
    keepPrevious: o.keepPrevious,
    onBoundary: o.onBoundary,
    admit: o.admit,
  });
  return { store, db, audit, events, cards, alerts, dataDir: o.dataDir };
}

/**
 * Rewrite a built bundle's targets metadata (mutate), sign it with `targetsKeys`, and re-sign
 * snapshot and timestamp so only the mutation differs: a signer that is malicious or mistaken.
 */
export function resign(
  out: string,
  repo: TestRepo,
  mutate: (t: TargetsMeta) => void,
  targetsKeys: SigningKey[] = repo.keys.targets.slice(0, repo.thresholds.targets),
): void {
  const t = JSON.parse(readFileSync(join(out, 'metadata', 'targets.json'), 'utf8')) as Envelope<TargetsMeta>;
  mutate(t.signed);
  const targets = signEnvelope(t.signed, targetsKeys);
  const tb = metaBytes(targets);
  const s = JSON.parse(readFileSync(join(out, 'metadata', 'snapshot.json'), 'utf8')) as Envelope<SnapshotMeta>;
  s.signed.meta['targets.json'] = { version: targets.signed.version, length: tb.length, hashes: { sha256: sha256(tb) } };
  const snapshot = signEnvelope(s.signed, repo.keys.snapshot.slice(0, repo.thresholds.snapshot));
  const sb = metaBytes(snapshot);
  const ts = JSON.parse(readFileSync(join(out, 'metadata', 'timestamp.json'), 'utf8')) as Envelope<TimestampMeta>;
  ts.signed.meta['snapshot.json'] = { version: snapshot.signed.version, length: sb.length, hashes: { sha256: sha256(sb) } };
  const timestamp = signEnvelope(ts.signed, repo.keys.timestamp.slice(0, repo.thresholds.timestamp));
  writeFileSync(join(out, 'metadata', 'targets.json'), tb);
  writeFileSync(join(out, 'metadata', 'snapshot.json'), sb);
  writeFileSync(join(out, 'metadata', 'timestamp.json'), metaBytes(timestamp));
}

const RESOURCES = fileURLToPath(new URL('../../../../resources', import.meta.url));

/**
 * Seal bundles for a test sync server's bundles directory with the development keys (what the app
 * trusts): the built-in policy and workflows, and `contractsDir` (default: the built-in contracts)
 * as maestro.contracts. Returns outDir.
 */
export async function sealServerBundles(o: { outDir: string; contractsDir?: string; policyDir?: string }): Promise<string> {
  const res = mkdtempSync(join(tmpdir(), 'maestro-srv-res-'));
  for (const d of ['workflows', 'trust']) cpSync(join(RESOURCES, d), join(res, d), { recursive: true });
  cpSync(o.policyDir ?? join(RESOURCES, 'policy'), join(res, 'policy'), { recursive: true });
  cpSync(o.contractsDir ?? join(RESOURCES, 'contracts'), join(res, 'contracts'), { recursive: true });
  await sealResources({ resourcesDir: res, outDir: o.outDir, appVersion: '0.1.0', now: new Date(Date.now() + 2000) });
  return o.outDir;
}
