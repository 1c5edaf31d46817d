// Team sync, device half (issue 9; docs/security.md, decision 0013): this device's certificate and
// X25519 key, tenant keys (created by the first admin device, wrapped per device, unwrapped here), the
// pull path (GET /v1/sync/changes: cursor and applied items in one transaction, stop on a gap or an
// item that does not decrypt or verify), shared run and card snapshots, and approvals signed on one
// machine and verified on another.
import { hash, type KeyObject } from 'node:crypto';
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { Logger } from '../../platform/util/logger';
import type { EventBus } from '../../platform/events';
import type { AuditService } from '../../platform/audit/index';
import type { ProfileService } from '../profile/index';
import type { Outbox, OutboxRow } from '../outbox/index';
import type { AttachmentStore } from '../capture/attachment-store';
import type { SecretStore } from '../../platform/keys/secret-store';
import type { VerifyPool } from '../sync/verify-pool';
import type { RunService } from '../runs/index';
import { toRunSummaryView } from '../runs/views';
import { ApiError } from '../../../shared/errors';
import { canonicalJson } from '../../../shared/canonical';
import { compileSchema, describeErrors } from '../../../shared/validation';
import { aadBytes, receiptSigningBytes } from '../../../shared/sync/protocol';
import {
  APPROVER_ROLES,
  CHANGES_PATH,
  MY_KEYS_PATH,
  TEAM_CONTRACTS,
  topRole,
  type ApprovalConflictDetails,
  type ApprovalStatement,
  type ChangesResponse,
  type DeviceCertificate,
  type FeedItemWire,
  type MyWrappedKeys,
  type SignedApproval,
  type SignedCertificate,
  type SignedWrappedKey,
  type TeamKeysPostResponse,
  type TeamKeysStatus,
  type TeamRole,
} from '../../../shared/team/protocol';
import {
  certificateResponseSchema,
  changesResponseSchema,
  myWrappedKeysSchema,
  teamKeysPostResponseSchema,
  teamKeysStatusSchema,
} from '../../../shared/team/schemas';
import type {
  TeamCardQuery,
  TeamCardView,
  TeamPage,
  TeamPeer,
  TeamRecordView,
  TeamRefusal,
  TeamRunQuery,
  TeamRunView,
  TeamStatus,
} from '../../../shared/team/views';
import type { DecisionCard, RunStatus } from '../../../shared/workflow/types';
import type { RunSummary } from '../../../shared/workflow/views';
import { decryptGcm } from '../../platform/keys/data-keys';
import { newUlid } from '../../platform/util/ulid';
import { readSyncConfig, type SyncConfig } from '../../platform/device/sync-config';
import { NetworkError, sendJson, type FetchFn } from '../../platform/device/signed-fetch';
import { publicKeyFromRaw } from '../../../platform/ed25519';
import { ENCRYPTION_KEY } from '../sync/engine';
import { deviceCredential } from '../bundles/server-source';
import { receiptMismatch } from '../sync/receipt-verify';
import { TenantKeys } from './tenant-keys';
import { newEncryptionKeyPair, unwrapTenantKey, wrapTenantKey } from './crypto';
import { verifyCertificate, verifyWrappedKey } from './certs';
import { signApproval, verifyApproval } from './approvals';

export const PAGE_LIMIT = 500;
const SERVICE = 'service:team';

type Signer = { deviceId: string; key: KeyObject; now: () => Date };
type Prepared = { ok: true; apply: () => void; receipt?: [string, string] } | { ok: false; code: string; message: string; refuse?: boolean };

interface CertRow {
  device: string;
  version: number;
  user: string;
  roles: string;
  status: 'active' | 'revoked';
  signing_key: string;
  encryption_key: string | null;
  expires_at: string;
  cert: string;
}

export interface TeamDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  audit: AuditService;
  profile: ProfileService;
  outbox: Outbox;
  attachments: AttachmentStore;
  secrets: () => Promise<SecretStore>;
  tenantKeys: TenantKeys;
  verifyPool: VerifyPool;
  alert: (code: string, message: string, subject?: string) => void;
  /** The server's signed-bundle listing from a pull page: install newer policy / workflow bundles. */
  onBundles?: (listing: { name: string; version: string | null }[]) => Promise<void>;
  fetch?: FetchFn;
}

/** Keyset cursor of the merged team lists: (time, device, id) of the last row of a page. */
const encodeKeyset = (r: { created_at: string; device: string; id: string }): string =>
  Buffer.from(JSON.stringify([r.created_at, r.device, r.id])).toString('base64url');
function decodeKeyset(before: string | undefined): [string, string, string] | [null, null, null] {
  if (!before) return [null, null, null];
  let k: unknown;
  try {
    k = JSON.parse(Buffer.from(before, 'base64url').toString('utf8'));
  } catch {
    k = null;
  }
  if (!Array.isArray(k) || k.length !== 3 || !k.every((x) => typeof x === 'string')) {
    throw new ApiError('VALIDATION_ERROR', '`before` is not a cursor this list returned', { reason: 'cursor' });
  }
  return k as [string, string, string];
}

export class TeamService {
  private runs: RunService | null = null;
  private pulling: Promise<{ applied: number; stopped: boolean }> | null = null;
  private live = false;
  private liveLoop: Promise<void> | null = null;
  private readonly fetchFn: FetchFn;
  private readonly changesValid = compileSchema(changesResponseSchema);

  constructor(private readonly d: TeamDeps) {
    this.fetchFn = d.fetch ?? ((...a: Parameters<FetchFn>) => fetch(...a));
  }

  /** The run service is built after this one (it shares cards through it). */
  attachRuns(runs: RunService): void {
    this.runs = runs;
    runs.subscribe((e) => {
      if (e.type === 'run.changed') this.shareRun(e.runId);
    });
  }

  private config(): SyncConfig | null {
    return readSyncConfig(this.d.db);
  }

  private now(): string {
    return this.d.clock.now().toISOString();
  }

  // ---------------------------------------------------------------- keys of this device

  /** This device's request signer; null while the vault is locked or the key is missing (nothing to do yet). */
  private async signer(): Promise<Signer | null> {
    try {
      return (await deviceCredential(this.d)).signer;
    } catch (e) {
      if (e instanceof ApiError) return null;
      throw e;
    }
  }

  /** This device's X25519 key pair from the secret store (private PEM, public raw base64). */
  private async encryptionKeys(cfg: SyncConfig): Promise<{ encPem: string | null; encPub: string | null }> {
    const store = await this.d.secrets();
    return { encPem: await store.get(`${ENCRYPTION_KEY}:${cfg.deviceId}`), encPub: await store.get(`${ENCRYPTION_KEY}-public:${cfg.deviceId}`) };
  }

  // ---------------------------------------------------------------- certificates

  private certRow(device: string): CertRow | undefined {
    return this.d.db.prepare('SELECT * FROM team_certs WHERE device = ? ORDER BY version DESC LIMIT 1').get(device) as CertRow | undefined;
  }

  latestCert(device: string): DeviceCertificate | null {
    const r = this.certRow(device);
    return r ? (JSON.parse(r.cert) as SignedCertificate).cert : null;
  }

  private latestSigned(device: string): SignedCertificate | null {
    const r = this.certRow(device);
    return r ? (JSON.parse(r.cert) as SignedCertificate) : null;
  }

  /** Stores a verified certificate (idempotent). A newer one of this device updates its roles and alerts on revocation. */
  storeCert(sc: SignedCertificate): void {
    const c = sc.cert;
    const res = this.d.db
      .prepare(
        `INSERT INTO team_certs (device, version, tenant, user, roles, status, signing_key, encryption_key, expires_at, cert, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(device, version) DO NOTHING`,
      )
      .run(
        c.device,
        c.certVersion,
        c.tenant,
        c.user,
        JSON.stringify(c.roles),
        c.status,
        c.signingKey,
        c.encryptionKey,
        c.expiresAt,
        JSON.stringify(sc),
        this.now(),
      );
    const cfg = this.config();
    if (res.changes === 0 || !cfg || c.device !== cfg.deviceId) return;
    const latest = this.latestCert(cfg.deviceId);
    if (!latest || latest.certVersion !== c.certVersion) return;
    if (JSON.stringify(cfg.roles) !== JSON.stringify(c.roles)) {
      this.d.db.prepare('UPDATE sync_config SET roles = ? WHERE singleton = 1').run(JSON.stringify(c.roles));
      this.d.db.prepare('UPDATE profile SET role = ? WHERE singleton = 1').run(topRole(c.roles));
      this.d.audit.append({ actor: SERVICE, action: 'device.roles_changed', subject: c.device, payload: { roles: c.roles, certVersion: c.certVersion } });
    }
    if (c.status === 'revoked') {
      this.d.alert('DEVICE_REVOKED', 'The server revoked this device: it can no longer sync, and approvals it signs are refused', c.device);
      this.d.audit.append({ actor: SERVICE, action: 'device.revoked_by_server', subject: c.device, payload: { certVersion: c.certVersion } });
    }
  }

  /** Enrollment hands over the first certificate; it must verify against the server key just pinned. */
  acceptEnrollmentCertificate(sc: unknown, serverPublicKey: string, tenant: string, device: string): SignedCertificate {
    const check = verifyCertificate(sc, publicKeyFromRaw(serverPublicKey), { tenant });
    if (!check.ok) throw new ApiError('INTERNAL', `The server's certificate for this device does not verify: ${check.message}`, { code: check.code });
    const cert = (sc as SignedCertificate).cert;
    if (cert.device !== device) throw new ApiError('INTERNAL', 'The server issued a certificate for another device');
    return sc as SignedCertificate;
  }

  // ---------------------------------------------------------------- status

  status(): TeamStatus {
    const cfg = this.config();
    const st = this.stateRow();
    const mine = cfg ? this.latestCert(cfg.deviceId) : null;
    const versions = cfg ? this.d.tenantKeys.versions(cfg.tenant) : [];
    const refused = this.d.db.prepare('SELECT count(*) FROM team_refusals').pluck().get() as number;
    const peers = this.d.db.prepare('SELECT count(DISTINCT device) FROM team_certs').pluck().get() as number;
    return {
      enrolled: cfg !== null,
      device: cfg?.deviceId ?? null,
      certificate: mine && {
        version: mine.certVersion,
        roles: mine.roles,
        status: mine.status,
        expiresAt: mine.expiresAt,
        hasEncryptionKey: mine.encryptionKey !== null,
      },
      keys: {
        versions,
        current: versions.length ? versions[versions.length - 1]! : null,
        // No tenant key on the server at all (no admin device yet) is not waiting: items are sealed
        // under this device's own key meanwhile.
        waitingForKey: cfg !== null && ((versions.length === 0 && this.tenantKeyOnServer() !== false) || this.keyWait !== null),
        admin: cfg?.roles.includes('admin') ?? false,
      },
      pull: {
        cursor: st.cursor,
        lastPullAt: st.last_pull_at,
        lastServerTime: st.last_server_time,
        applied: st.applied,
        live: this.live,
        stopped:
          st.stopped_seq !== null ? { seq: st.stopped_seq, code: st.stopped_code ?? '', message: st.stopped_message ?? '', at: st.stopped_at ?? '' } : null,
      },
      refused,
      peers,
    };
  }

  private stateRow(): {
    cursor: number;
    applied: number;
    last_pull_at: string | null;
    last_server_time: string | null;
    stopped_seq: number | null;
    stopped_code: string | null;
    stopped_message: string | null;
    stopped_at: string | null;
  } {
    return this.d.db.prepare('SELECT * FROM team_state WHERE singleton = 1').get() as ReturnType<TeamService['stateRow']>;
  }

  private changed(applied: number): void {
    const st = this.stateRow();
    this.d.events.emit('team.changed', { cursor: st.cursor, applied, stopped: st.stopped_seq !== null });
  }

  // ---------------------------------------------------------------- before and after a sync run

  /**
   * Before a sync run sends anything: make sure the server has this device's encryption key (devices
   * enrolled before team sync register one), let an admin device create or hand out tenant keys, and
   * pull (wrapped keys arrive that way, so items can be sealed in the same run).
   */
  async prepare(): Promise<void> {
    const cfg = this.config();
    if (!cfg) return;
    const signer = await this.signer();
    if (!signer) return;
    await this.ensureCertificate(cfg, signer);
    const st = await this.keysStatus(cfg, signer);
    this.serverKeyVersions = st ? st.versions.length : this.serverKeyVersions;
    if (st && st.mine.some((v) => !this.d.tenantKeys.has(cfg.tenant, v))) await this.fetchMyKeys(cfg, signer);
    if (cfg.roles.includes('admin')) await this.maintainKeys(cfg, signer, st);
    await this.pull();
  }

  /**
   * Whether the tenant has any key version on the server (as of the last sync run): until an admin
   * device creates one, devices seal under a key of their own (stored and receipted, never shared);
   * once one exists, a device without its wrapped copy waits for it. null: not asked yet.
   */
  tenantKeyOnServer(): boolean | null {
    return this.serverKeyVersions === null ? null : this.serverKeyVersions > 0;
  }

  private serverKeyVersions: number | null = null;
  /** The last pull could not reach the server (or was refused): the live loop backs off. */
  private unreachable = false;
  /** The pull waits at this item for a key version not yet wrapped for this device. */
  private keyWait: { seq: number; message: string } | null = null;

  /** Fetches and installs the key versions wrapped for this device (verified like the feed's key items). */
  private async fetchMyKeys(cfg: SyncConfig, signer: Signer): Promise<number> {
    const reply = await this.call(cfg, signer, 'GET', MY_KEYS_PATH);
    if (reply.status !== 200 || !compileSchema(myWrappedKeysSchema)(reply.body)) return 0;
    const enc = await this.encryptionKeys(cfg);
    const serverKey = publicKeyFromRaw(cfg.serverPublicKey);
    let installed = 0;
    for (const w of (reply.body as MyWrappedKeys).wrapped) {
      if (this.d.tenantKeys.has(cfg.tenant, w.body.keyVersion)) continue;
      const p = await this.prepareItem(cfg, serverKey, { seq: 0, kind: 'key', at: this.now(), key: w }, (d) => this.latestCert(d), new Map(), enc);
      if (p.ok) {
        this.d.db.transaction(p.apply)();
        installed += 1;
      } else this.refuse(null, 'key', w.body.wrappedBy, `v${w.body.keyVersion}`, p.code, p.message);
    }
    return installed;
  }

  private async keysStatus(cfg: SyncConfig, signer: Signer): Promise<TeamKeysStatus | null> {
    const reply = await this.call(cfg, signer, 'GET', '/v1/team/keys');
    return reply.status === 200 && compileSchema(teamKeysStatusSchema)(reply.body) ? (reply.body as TeamKeysStatus) : null;
  }

  /** After a sync run: admins wrap keys for devices that enrolled meanwhile. */
  async afterSync(): Promise<void> {
    const cfg = this.config();
    if (!cfg || !cfg.roles.includes('admin')) return;
    const signer = await this.signer();
    if (signer) await this.maintainKeys(cfg, signer);
  }

  private async ensureCertificate(cfg: SyncConfig, signer: Signer): Promise<void> {
    const mine = this.latestCert(cfg.deviceId);
    if (mine?.encryptionKey) return;
    const store = await this.d.secrets();
    let pub: string | null = null;
    if (!(await store.get(`${ENCRYPTION_KEY}:${cfg.deviceId}`))) {
      const kp = newEncryptionKeyPair();
      await store.set(`${ENCRYPTION_KEY}:${cfg.deviceId}`, kp.privatePem);
      await store.set(`${ENCRYPTION_KEY}-public:${cfg.deviceId}`, kp.publicRaw);
      pub = kp.publicRaw;
    } else pub = await store.get(`${ENCRYPTION_KEY}-public:${cfg.deviceId}`);
    if (!pub) return;
    const reply = await this.call(cfg, signer, 'POST', '/v1/team/encryption-key', { encryptionKey: pub });
    if (reply.status !== 200) return;
    const valid = compileSchema(certificateResponseSchema);
    if (!valid(reply.body)) return;
    const sc = (reply.body as { certificate: SignedCertificate }).certificate;
    const check = verifyCertificate(sc, publicKeyFromRaw(cfg.serverPublicKey), { tenant: cfg.tenant });
    if (check.ok && sc.cert.device === cfg.deviceId) this.d.db.transaction(() => this.storeCert(sc))();
  }

  private async call(cfg: SyncConfig, signer: Signer, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 30_000) {
    return sendJson(this.fetchFn, cfg.serverUrl, method, path, body, signer, timeoutMs);
  }

  // ---------------------------------------------------------------- tenant keys (admin devices)

  /**
   * The first admin device creates version 1 when the server has none; an admin holding a version
   * wraps it for every active device that lacks it (the server lists them, with their certificates).
   */
  async maintainKeys(cfg: SyncConfig, signer: Signer, known?: TeamKeysStatus | null): Promise<{ created: number | null; wrapped: number }> {
    const out = { created: null as number | null, wrapped: 0 };
    const st = known ?? (await this.keysStatus(cfg, signer));
    if (!st) return out;
    const myCert = this.latestSigned(cfg.deviceId);
    if (!myCert || !myCert.cert.roles.includes('admin') || myCert.cert.status !== 'active') return out;
    if (st.versions.length === 0) {
      const created = await this.createVersion(cfg, signer, myCert, 1, st.missing);
      out.created = created ? 1 : null;
      this.serverKeyVersions = 1;
      return out;
    }
    const serverKey = publicKeyFromRaw(cfg.serverPublicKey);
    const wrapped: SignedWrappedKey[] = [];
    for (const m of st.missing) {
      if (m.device === cfg.deviceId) continue;
      if (!verifyCertificate(m.certificate, serverKey, { tenant: cfg.tenant }).ok) continue;
      const c = m.certificate.cert;
      if (c.device !== m.device || c.status !== 'active' || !c.encryptionKey) continue;
      for (const v of m.versions) {
        if (!this.d.tenantKeys.has(cfg.tenant, v)) continue;
        const key = await this.d.tenantKeys.get(cfg.tenant, v);
        wrapped.push(this.wrapFor(cfg, signer, myCert, v, key, c));
      }
    }
    if (wrapped.length === 0) return out;
    const post = await this.call(cfg, signer, 'POST', '/v1/team/keys', { wrapped });
    if (post.status === 200 && compileSchema(teamKeysPostResponseSchema)(post.body)) {
      out.wrapped = (post.body as TeamKeysPostResponse).stored;
      this.d.audit.append({
        actor: SERVICE,
        action: 'team.keys_wrapped',
        subject: cfg.tenant,
        payload: { devices: [...new Set(wrapped.map((w) => w.body.recipient))], count: wrapped.length },
      });
    } else this.d.logger.warn('wrapping tenant keys refused', { code: 'TEAM_KEYS_REFUSED', status: post.status });
    return out;
  }

  private wrapFor(cfg: SyncConfig, signer: Signer, myCert: SignedCertificate, version: number, key: Buffer, c: DeviceCertificate) {
    return wrapTenantKey({
      tenant: cfg.tenant,
      keyVersion: version,
      key,
      recipient: c.device,
      recipientCertVersion: c.certVersion,
      recipientKey: c.encryptionKey!,
      wrappedBy: cfg.deviceId,
      wrappedAt: this.now(),
      signingKey: signer.key,
      wrapperCert: myCert,
    });
  }

  private async createVersion(
    cfg: SyncConfig,
    signer: Signer,
    myCert: SignedCertificate,
    version: number,
    missing: TeamKeysStatus['missing'],
  ): Promise<boolean> {
    const key = await this.d.tenantKeys.generate(cfg.tenant, version);
    const serverKey = publicKeyFromRaw(cfg.serverPublicKey);
    const wrapped: SignedWrappedKey[] = [];
    for (const m of missing) {
      if (m.device === cfg.deviceId || !verifyCertificate(m.certificate, serverKey, { tenant: cfg.tenant }).ok) continue;
      const c = m.certificate.cert;
      if (c.status === 'active' && c.encryptionKey && c.device === m.device) wrapped.push(this.wrapFor(cfg, signer, myCert, version, key, c));
    }
    const post = await this.call(cfg, signer, 'POST', '/v1/team/keys', { create: { version }, wrapped });
    if (post.status !== 200) {
      // Another admin created it first: this one's key is never listed; the other's arrives wrapped.
      this.d.logger.info('tenant key version not created here', { version, status: post.status });
      return false;
    }
    this.d.db.transaction(() => {
      this.d.tenantKeys.list(cfg.tenant, version, 'created', cfg.deviceId);
      this.d.audit.append({
        actor: SERVICE,
        action: 'team.key_created',
        subject: cfg.tenant,
        payload: { version, wrappedFor: wrapped.map((w) => w.body.recipient) },
      });
    })();
    return true;
  }

  /** Admin: a new tenant key version for new items, wrapped for the active devices (revoked ones get none). */
  async rotate(): Promise<{ tenant: string; version: number }> {
    const cfg = this.config();
    if (!cfg) throw new ApiError('CONFLICT', 'Enroll this device first');
    if (!cfg.roles.includes('admin')) throw new ApiError('FORBIDDEN', 'Only an admin device rotates the tenant key', { reason: 'role' });
    const signer = await this.signer();
    const myCert = this.latestSigned(cfg.deviceId);
    if (!signer || !myCert) throw new ApiError('FORBIDDEN', 'This device has no signing key or certificate yet; sync first');
    const reply = await this.call(cfg, signer, 'GET', '/v1/team/keys');
    if (reply.status !== 200 || !compileSchema(teamKeysStatusSchema)(reply.body))
      throw new ApiError('NOT_FOUND', `The server did not answer (HTTP ${reply.status})`);
    const st = reply.body as TeamKeysStatus;
    const version = Math.max(0, ...st.versions.map((v) => v.version)) + 1;
    // Every active device the server knows lacks the new version: ask again after creating it.
    if (!(await this.createVersion(cfg, signer, myCert, version, [])))
      throw new ApiError('CONFLICT', `Tenant key version ${version} was created by another admin meanwhile`);
    await this.maintainKeys(cfg, signer);
    return { tenant: cfg.tenant, version };
  }

  // ---------------------------------------------------------------- sharing (field devices)

  /**
   * Inside the card's transaction: queue a snapshot for reviewers. Only once this device holds a
   * tenant key (enrolled, and an admin device has handed it out): before that nothing could read it.
   */
  shareCard(card: DecisionCard): void {
    const cfg = this.config();
    if (!cfg || this.d.tenantKeys.currentVersion(cfg.tenant) === null) return;
    this.d.outbox.enqueueShare('card', card.id, TEAM_CONTRACTS.card, { tenant: cfg.tenant, deviceId: this.d.profile.require().deviceId }, this.now());
  }

  shareRun(runId: string): void {
    const cfg = this.config();
    if (!cfg || this.d.tenantKeys.currentVersion(cfg.tenant) === null) return;
    this.d.outbox.enqueueShare('run', runId, TEAM_CONTRACTS.run, { tenant: cfg.tenant, deviceId: this.d.profile.require().deviceId }, this.now());
  }

  /** The plaintext of a team item, made when it is sealed (the latest state of the run or card). */
  plaintextOf(row: OutboxRow): Buffer {
    const cfg = this.config();
    if (row.kind === 'approval') return Buffer.from(canonicalJson({ kind: 'approval', approval: JSON.parse(row.payload!) as unknown }));
    if (!this.runs) throw new Error('run service not attached');
    if (row.kind === 'card') {
      const card = this.runs.cards.get(row.ref_id!);
      return Buffer.from(canonicalJson({ kind: 'card', card, user: cfg?.user ?? '' }));
    }
    const run = this.runs.get(row.ref_id!);
    const awaiting = this.d.db.prepare('SELECT awaiting_card FROM runs WHERE id = ?').pluck().get(run.id) as string | null;
    return Buffer.from(
      canonicalJson({ kind: 'run', run: toRunSummaryView(run), awaitingCard: run.status === 'awaiting_approval' ? awaiting : null, user: cfg?.user ?? '' }),
    );
  }

  /** The server's answer to an approval this device sent. */
  noteApprovalResult(row: OutboxRow, accepted: boolean, error?: { code: string; message: string; details?: Record<string, unknown> }): void {
    if (row.kind !== 'approval' || !row.ref_id) return;
    if (accepted) {
      this.d.db
        .prepare("UPDATE team_decisions SET state = 'accepted', message = NULL, updated_at = ? WHERE approval_id = ? AND state = 'queued'")
        .run(this.now(), row.ref_id);
    } else {
      const w = (error?.details as ApprovalConflictDetails | undefined)?.winner;
      const msg =
        error?.code === 'CONFLICT' && w
          ? `Another reviewer decided first: ${w.user} on ${w.device} at ${w.receivedAt}`
          : `${error?.code ?? 'REFUSED'}: ${error?.message ?? ''}`;
      this.d.db
        .prepare('UPDATE team_decisions SET state = ?, message = ?, updated_at = ? WHERE approval_id = ?')
        .run(error?.code === 'CONFLICT' ? 'conflict' : 'refused', msg, this.now(), row.ref_id);
    }
    this.changed(0);
  }

  // ---------------------------------------------------------------- approvals made here

  private approverCheck(cfg: SyncConfig): { cert: SignedCertificate; role: TeamRole } {
    const cert = this.latestSigned(cfg.deviceId);
    if (!cert) throw new ApiError('FORBIDDEN', 'This device has no certificate yet; sync first', { reason: 'certificate' });
    if (cert.cert.status !== 'active') throw new ApiError('FORBIDDEN', 'This device has been revoked', { reason: 'revoked' });
    const role = topRole(cert.cert.roles);
    if (!APPROVER_ROLES.includes(role))
      throw new ApiError('FORBIDDEN', `Only a reviewer or an admin can approve or reject a run (this device is ${role})`, { reason: 'role', role });
    return { cert, role };
  }

  private async sign(cfg: SyncConfig, s: Omit<ApprovalStatement, 'type' | 'approvalId' | 'tenant' | 'by' | 'at'>): Promise<SignedApproval> {
    const { cert, role } = this.approverCheck(cfg);
    const signer = await this.signer();
    if (!signer) throw new ApiError('FORBIDDEN', 'Unlock the key store first', { reason: 'locked' });
    const statement: ApprovalStatement = {
      type: 'maestro.approval.v1',
      approvalId: newUlid(),
      tenant: cfg.tenant,
      ...s,
      by: { user: cfg.user, device: cfg.deviceId, certVersion: cert.cert.certVersion, role },
      at: this.now(),
    };
    return signApproval(statement, signer.key, cert);
  }

  /** Queue a signed approval (inside the caller's transaction) and remember it as this device's decision. */
  private queueApproval(cfg: SyncConfig, sa: SignedApproval, state: 'queued' | 'applied'): void {
    const s = sa.statement;
    const outboxId = this.d.outbox.enqueueShare(
      'approval',
      s.approvalId,
      TEAM_CONTRACTS.approval,
      { tenant: cfg.tenant, deviceId: this.d.profile.require().deviceId },
      this.now(),
      {
        subject: s.cardId,
        to: s.runDevice,
        payload: JSON.stringify(sa),
      },
    );
    this.d.db
      .prepare(
        `INSERT INTO team_decisions (approval_id, device, run_id, card_id, decision, comment, at, state, message, outbox_id, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
      )
      .run(s.approvalId, s.runDevice, s.runId, s.cardId, s.decision, s.comment, s.at, state, outboxId, this.now());
    this.d.audit.append({
      actor: `user:${this.d.profile.require().id}`,
      action: 'team.approval_signed',
      subject: s.runId,
      payload: { approvalId: s.approvalId, device: s.runDevice, card: s.cardId, decision: s.decision, certVersion: s.by.certVersion },
    });
  }

  /** team.decide: a run that waits on another device. */
  async decideRemote(req: {
    device: string;
    runId: string;
    cardId: string;
    decision: 'approved' | 'rejected';
    comment: string;
  }): Promise<{ approvalId: string; state: 'queued' }> {
    const cfg = this.config();
    if (!cfg) throw new ApiError('CONFLICT', 'Enroll this device first');
    if (req.device === cfg.deviceId)
      throw new ApiError('VALIDATION_ERROR', 'This run is on this device: decide it in the run view (runs.decide)', { reason: 'local' });
    const run = this.d.db.prepare('SELECT status, awaiting_card FROM team_runs WHERE device = ? AND run_id = ?').get(req.device, req.runId) as
      { status: RunStatus; awaiting_card: string | null } | undefined;
    const card = this.d.db.prepare('SELECT status FROM team_cards WHERE device = ? AND card_id = ?').get(req.device, req.cardId) as
      { status: string } | undefined;
    if (!run && !card) throw new ApiError('NOT_FOUND', `No run ${req.runId} from device ${req.device} has reached this device`);
    if (run && (run.status !== 'awaiting_approval' || (run.awaiting_card && run.awaiting_card !== req.cardId))) {
      throw new ApiError(
        'CONFLICT',
        `Run ${req.runId} is ${run.status}${run.awaiting_card ? ` and waits on card ${run.awaiting_card}` : ''} as of the last pull`,
      );
    }
    const open = this.d.db
      .prepare("SELECT approval_id FROM team_decisions WHERE card_id = ? AND state IN ('queued','accepted','applied')")
      .pluck()
      .get(req.cardId);
    if (open) throw new ApiError('CONFLICT', `This device already decided card ${req.cardId}`, { approvalId: open });
    const sa = await this.sign(cfg, { runId: req.runId, cardId: req.cardId, runDevice: req.device, decision: req.decision, comment: req.comment });
    this.d.db.transaction(() => this.queueApproval(cfg, sa, 'queued'))();
    this.changed(0);
    return { approvalId: sa.statement.approvalId, state: 'queued' };
  }

  /**
   * runs.decide on an enrolled device: the same signed record as a remote decision, applied here and
   * sent so the server's first-decision-wins rule sees it. Not enrolled: null (a plain local decision).
   */
  async localDecision(
    runId: string,
    decision: 'approved' | 'rejected',
    comment: string,
  ): Promise<{ via: { device: string; certVersion: number; approvalId: string }; within: () => void } | null> {
    const cfg = this.config();
    if (!cfg || !this.latestCert(cfg.deviceId)) return null;
    const awaiting = this.d.db.prepare('SELECT awaiting_card FROM runs WHERE id = ?').pluck().get(runId) as string | null | undefined;
    if (!awaiting) return null;
    const sa = await this.sign(cfg, { runId, cardId: awaiting, runDevice: cfg.deviceId, decision, comment });
    const s = sa.statement;
    return {
      via: { device: cfg.deviceId, certVersion: s.by.certVersion, approvalId: s.approvalId },
      within: () => this.queueApproval(cfg, sa, 'applied'),
    };
  }

  // ---------------------------------------------------------------- the pull

  /** Pull until the server has nothing more (or the pull stops). Serialized: one pull at a time. */
  pull(opts: { wait?: number } = {}): Promise<{ applied: number; stopped: boolean }> {
    this.pulling ??= this.pullPages(opts.wait ?? 0).finally(() => {
      this.pulling = null;
    });
    return this.pulling;
  }

  private async pullPages(wait: number): Promise<{ applied: number; stopped: boolean }> {
    const cfg = this.config();
    if (!cfg) return { applied: 0, stopped: false };
    const signer = await this.signer();
    if (!signer) return { applied: 0, stopped: false };
    const serverKey = publicKeyFromRaw(cfg.serverPublicKey);
    const { encPem, encPub } = await this.encryptionKeys(cfg);
    await this.d.tenantKeys.loadAll(cfg.tenant);
    let total = 0;
    let fetchedKeys = false;
    let listing: ChangesResponse['bundles'];
    for (let page = 0; page < 100_000; page++) {
      const st = this.stateRow();
      if (st.stopped_seq !== null) return { applied: total, stopped: true };
      const path = `${CHANGES_PATH}?since=${st.cursor}&limit=${PAGE_LIMIT}${page === 0 && wait > 0 ? `&wait=${wait}` : ''}`;
      let reply;
      try {
        reply = await this.call(cfg, signer, 'GET', path, undefined, (wait + 30) * 1000);
      } catch (e) {
        if (e instanceof NetworkError) {
          this.unreachable = true;
          return { applied: total, stopped: false };
        }
        throw e;
      }
      this.unreachable = reply.status !== 200;
      if (reply.status !== 200) {
        this.d.logger.warn('pull refused', { code: 'PULL_REFUSED', status: reply.status });
        return { applied: total, stopped: false };
      }
      if (!this.changesValid(reply.body)) {
        this.stop(
          st.cursor + 1,
          'PULL_MALFORMED',
          `The server sent a malformed page: ${JSON.stringify(describeErrors(this.changesValid.errors)).slice(0, 300)}`,
        );
        return { applied: total, stopped: true };
      }
      const res = reply.body as ChangesResponse;
      listing = res.bundles ?? listing;
      const n = await this.applyPage(cfg, serverKey, res, st.cursor, { encPem, encPub });
      total += n.applied;
      if (n.applied > 0 || n.stopped) this.changed(n.applied);
      await this.processInbox(cfg);
      if (n.stopped && this.keyWait && !fetchedKeys) {
        // Its key may be wrapped for this device already, queued behind the items it unlocks.
        fetchedKeys = true;
        if ((await this.fetchMyKeys(cfg, signer)) > 0) {
          await this.d.tenantKeys.loadAll(cfg.tenant);
          continue;
        }
      }
      if (n.stopped) return { applied: total, stopped: this.keyWait === null };
      if (!res.hasMore) break;
    }
    if (listing && this.d.onBundles) {
      try {
        await this.d.onBundles(listing);
      } catch (e) {
        this.d.logger.warn('bundle updates from the pull failed', { code: 'BUNDLE_UPDATE_FAILED', err: (e as Error).message });
      }
    }
    return { applied: total, stopped: false };
  }

  private stop(seq: number, code: string, message: string): void {
    this.d.db.transaction(() => {
      this.d.db
        .prepare('UPDATE team_state SET stopped_seq = ?, stopped_code = ?, stopped_message = ?, stopped_at = ? WHERE singleton = 1')
        .run(seq, code, message, this.now());
      this.d.alert(code, `The pull stopped at item ${seq}: ${message}. It stays stopped until the item is skipped with a reason.`, String(seq));
      this.d.audit.append({ actor: SERVICE, action: 'team.pull_stopped', subject: String(seq), payload: { code, message } });
    })();
  }

  private refuse(seq: number | null, kind: TeamRefusal['kind'], from: string | null, subject: string | null, code: string, message: string): void {
    this.d.db
      .prepare('INSERT INTO team_refusals (at, seq, kind, from_device, subject, code, message) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(this.now(), seq, kind, from, subject, code, message);
    this.d.alert(code, `Refused ${kind}${subject ? ` ${subject}` : ''}${from ? ` from ${from}` : ''}: ${message}`, subject ?? '');
    this.d.audit.append({ actor: SERVICE, action: `team.${kind}_refused`, subject: subject ?? String(seq ?? ''), payload: { seq, from, code, message } });
  }

  /** Checks and applies one page; cursor and applied items commit together. */
  private async applyPage(
    cfg: SyncConfig,
    serverKey: KeyObject,
    res: ChangesResponse,
    cursor: number,
    enc: { encPem: string | null; encPub: string | null },
  ): Promise<{ applied: number; stopped: boolean }> {
    let stop: { seq: number; code: string; message: string } | null = null;
    if (res.since !== cursor || res.until < res.since)
      stop = { seq: cursor + 1, code: 'PULL_GAP', message: `The page starts at ${res.since}, not at this device's cursor ${cursor}` };
    const ops: { seq: number; apply: () => void }[] = [];
    const receipts: { index: number; check: [string, string] }[] = [];
    const pageCerts = new Map<string, DeviceCertificate>();
    const latest = (device: string) => {
      const p = pageCerts.get(device);
      const s = this.latestCert(device);
      return p && (!s || p.certVersion > s.certVersion) ? p : s;
    };
    let prev = cursor;
    for (const it of stop ? [] : res.items) {
      if (it.seq <= prev || it.seq > res.until) {
        stop = { seq: it.seq, code: 'PULL_GAP', message: `Item ${it.seq} is out of order (after ${prev}, page until ${res.until})` };
        break;
      }
      prev = it.seq;
      const p = await this.prepareItem(cfg, serverKey, it, latest, pageCerts, enc);
      if (!p.ok) {
        if (p.refuse) {
          const from = it.key?.body.wrappedBy ?? it.item?.from ?? null;
          ops.push({ seq: it.seq, apply: () => this.refuse(it.seq, it.kind === 'key' ? 'key' : 'item', from, null, p.code, p.message) });
          continue;
        }
        stop = { seq: it.seq, code: p.code, message: p.message };
        break;
      }
      if (p.receipt) receipts.push({ index: ops.length, check: p.receipt });
      ops.push({ seq: it.seq, apply: p.apply });
    }
    if (receipts.length) {
      const ok = await this.d.verifyPool.verifyAll(
        serverKey,
        receipts.map((r) => r.check),
      );
      const bad = ok.findIndex((x) => !x);
      if (bad >= 0) {
        const at = receipts[bad]!.index;
        stop = { seq: ops[at]!.seq, code: 'PULL_RECEIPT_INVALID', message: 'The receipt of this item does not verify with the pinned server key' };
        ops.length = at;
      }
    }
    const now = this.now();
    this.d.db.transaction(() => {
      for (const op of ops) op.apply();
      const last = ops.length ? ops[ops.length - 1]!.seq : cursor;
      const next = stop ? last : Math.max(res.until, last);
      this.d.db
        .prepare('UPDATE team_state SET cursor = ?, applied = applied + ?, last_pull_at = ?, last_server_time = ? WHERE singleton = 1')
        .run(next, ops.length, now, res.serverTime);
    })();
    // A key version this device has not been sent yet: not a fault. The pull waits at this item (the
    // cursor stays before it) and goes on once an admin device has wrapped the key for this device.
    if (stop?.code === 'PULL_KEY_MISSING') {
      this.keyWait = { seq: stop.seq, message: stop.message };
      return { applied: ops.length, stopped: true };
    }
    this.keyWait = null;
    if (stop) this.stop(stop.seq, stop.code, stop.message);
    return { applied: ops.length, stopped: stop !== null };
  }

  private async prepareItem(
    cfg: SyncConfig,
    serverKey: KeyObject,
    it: FeedItemWire,
    latest: (device: string) => DeviceCertificate | null,
    pageCerts: Map<string, DeviceCertificate>,
    enc: { encPem: string | null; encPub: string | null },
  ): Promise<Prepared> {
    const db = this.d.db;
    if (it.kind === 'cert' && it.cert) {
      const check = verifyCertificate(it.cert, serverKey, { tenant: cfg.tenant });
      if (!check.ok) return { ok: false, code: 'PULL_CERT_INVALID', message: `${check.code}: ${check.message}` };
      const sc = it.cert;
      const cur = pageCerts.get(sc.cert.device);
      if (!cur || sc.cert.certVersion > cur.certVersion) pageCerts.set(sc.cert.device, sc.cert);
      return { ok: true, apply: () => this.storeCert(sc) };
    }
    if (it.kind === 'event' && it.event) {
      const e = it.event;
      return {
        ok: true,
        apply: () =>
          db
            .prepare('INSERT OR IGNORE INTO team_events (seq, type, device, user, at, reason) VALUES (?, ?, ?, ?, ?, ?)')
            .run(it.seq, e.type, e.device, e.user, e.at, e.reason),
      };
    }
    if (it.kind === 'key' && it.key) {
      const w = it.key;
      if (!enc.encPem || !enc.encPub) return { ok: false, code: 'KEY_WRONG_RECIPIENT', message: 'This device has no encryption key', refuse: true };
      const check = verifyWrappedKey(w, {
        serverKey,
        tenant: cfg.tenant,
        device: cfg.deviceId,
        encryptionKey: enc.encPub,
        latestCert: latest,
        now: this.d.clock.now(),
      });
      if (!check.ok) return { ok: false, code: check.code, message: check.message, refuse: true };
      let key: Buffer;
      try {
        key = unwrapTenantKey(w, enc.encPem);
      } catch (e) {
        return { ok: false, code: 'KEY_UNWRAP_FAILED', message: (e as Error).message, refuse: true };
      }
      if (!this.d.tenantKeys.has(cfg.tenant, w.body.keyVersion)) await this.d.tenantKeys.stash(cfg.tenant, w.body.keyVersion, key);
      return {
        ok: true,
        apply: () => {
          this.d.tenantKeys.list(cfg.tenant, w.body.keyVersion, 'unwrapped', w.body.wrappedBy);
          this.d.audit.append({
            actor: SERVICE,
            action: 'team.key_received',
            subject: cfg.tenant,
            payload: { version: w.body.keyVersion, wrappedBy: w.body.wrappedBy },
          });
        },
      };
    }
    if (it.kind !== 'item' || !it.item) return { ok: false, code: 'PULL_MALFORMED', message: `Feed item ${it.seq} of kind ${it.kind} has no body` };
    const { from, fromUser, wire, receipt } = it.item;
    const mismatch = receiptMismatch(receipt, {
      tenant: cfg.tenant,
      device: from,
      idempotencyKey: wire.idempotencyKey,
      contentHash: wire.contentHash,
      serverKeyId: cfg.serverKeyId,
    });
    const ciphertext = Buffer.from(wire.ciphertext, 'base64');
    if (mismatch || hash('sha256', ciphertext, 'hex') !== wire.contentHash)
      return { ok: false, code: 'PULL_RECEIPT_INVALID', message: mismatch ?? 'contentHash is not the SHA-256 of the ciphertext' };
    const key = this.d.tenantKeys.cached(cfg.tenant, wire.keyVersion);
    if (!key) return { ok: false, code: 'PULL_KEY_MISSING', message: `Tenant key version ${wire.keyVersion} has not reached this device` };
    let body: Record<string, unknown>;
    try {
      const plain = decryptGcm(
        key,
        { ciphertext, iv: Buffer.from(wire.iv, 'base64'), tag: Buffer.from(wire.tag, 'base64') },
        aadBytes(wire.idempotencyKey, wire.contract, cfg.tenant),
      );
      body = JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
    } catch (e) {
      return { ok: false, code: 'PULL_DECRYPT_FAILED', message: `Item ${it.seq} from ${from} does not decrypt: ${(e as Error).message}` };
    }
    const rc: [string, string] = [receiptSigningBytes(receipt.receipt), receipt.signature];
    const now = this.now();
    const malformed = (): Prepared => ({ ok: false, code: 'PULL_MALFORMED', message: `Item ${it.seq} (${wire.kind}) from ${from} has an unexpected shape` });
    if (body.kind !== wire.kind) return malformed();
    switch (wire.kind) {
      case 'record': {
        const recordId = body.recordId;
        if (typeof recordId !== 'string' || typeof body.contract !== 'string' || typeof body.createdAt !== 'string') return malformed();
        return {
          ok: true,
          receipt: rc,
          apply: () =>
            db
              .prepare(
                'INSERT OR IGNORE INTO team_records (device, item_id, user, kind, contract, created_at, body, seq, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
              )
              .run(from, recordId, fromUser, 'record', body.contract as string, body.createdAt as string, JSON.stringify(body.data ?? null), it.seq, now),
        };
      }
      case 'attachment': {
        const h = body.hash;
        if (typeof h !== 'string' || typeof body.data !== 'string') return malformed();
        const bytes = Buffer.from(body.data, 'base64');
        if (`sha256:${hash('sha256', bytes, 'hex')}` !== h && hash('sha256', bytes, 'hex') !== h) return malformed();
        return {
          ok: true,
          receipt: rc,
          apply: () => {
            this.d.attachments.put(bytes, String(body.name ?? 'attachment'), String(body.mime ?? 'application/octet-stream'), now);
            db.prepare(
              'INSERT OR IGNORE INTO team_records (device, item_id, user, kind, contract, created_at, body, seq, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            ).run(
              from,
              h,
              fromUser,
              'attachment',
              wire.contract,
              wire.createdAt,
              JSON.stringify({ hash: h, name: body.name, mime: body.mime, size: bytes.length }),
              it.seq,
              now,
            );
          },
        };
      }
      case 'run': {
        const run = body.run as RunSummary | undefined;
        if (!run || typeof run.id !== 'string' || typeof run.updatedAt !== 'string') return malformed();
        const awaiting = typeof body.awaitingCard === 'string' ? body.awaitingCard : null;
        return {
          ok: true,
          receipt: rc,
          apply: () => {
            db.prepare(
              `INSERT INTO team_runs (device, run_id, user, status, awaiting_card, updated_at, created_at, body, seq, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(device, run_id) DO UPDATE SET status = excluded.status, awaiting_card = excluded.awaiting_card, updated_at = excluded.updated_at,
               body = excluded.body, seq = excluded.seq, received_at = excluded.received_at, user = excluded.user
               WHERE excluded.updated_at >= team_runs.updated_at`,
            ).run(from, run.id, fromUser, run.status, awaiting, run.updatedAt, run.createdAt, JSON.stringify(run), it.seq, now);
            if (run.status !== 'awaiting_approval') {
              db.prepare("UPDATE team_decisions SET state = 'applied', updated_at = ? WHERE device = ? AND run_id = ? AND state = 'accepted'").run(
                now,
                from,
                run.id,
              );
            }
          },
        };
      }
      case 'card': {
        const card = body.card as DecisionCard | undefined;
        if (!card || typeof card.id !== 'string' || typeof card.createdAt !== 'string') return malformed();
        return {
          ok: true,
          receipt: rc,
          apply: () => {
            db.prepare(
              `INSERT INTO team_cards (device, card_id, user, run_id, created_at, lane, status, body, seq, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(device, card_id) DO UPDATE SET status = excluded.status, body = excluded.body, seq = excluded.seq, received_at = excluded.received_at`,
            ).run(from, card.id, fromUser, card.runId, card.createdAt, card.lane, card.status, JSON.stringify(card), it.seq, now);
            const via = card.approval.via;
            if (via)
              db.prepare("UPDATE team_decisions SET state = 'applied', updated_at = ? WHERE approval_id = ? AND state IN ('queued','accepted')").run(
                now,
                via.approvalId,
              );
          },
        };
      }
      case 'approval': {
        const sa = body.approval as SignedApproval | undefined;
        const s = sa?.statement;
        if (!sa || !s || typeof s.approvalId !== 'string' || typeof s.cardId !== 'string' || typeof s.runDevice !== 'string') return malformed();
        return {
          ok: true,
          receipt: rc,
          apply: () => {
            const mine = s.runDevice === cfg.deviceId;
            const before = db.prepare('SELECT seq FROM team_inbox WHERE approval_id = ?').pluck().get(s.approvalId) as number | undefined;
            if (before !== undefined && before !== it.seq) {
              // The same signed approval delivered again in another item: a replay, refused and recorded.
              if (mine) this.refuse(it.seq, 'approval', from, s.cardId, 'APPROVAL_REPLAY', `approval ${s.approvalId} was already delivered (item ${before})`);
              return;
            }
            db.prepare(
              `INSERT OR IGNORE INTO team_inbox (approval_id, seq, from_device, run_device, card_id, body, state, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            ).run(s.approvalId, it.seq, from, s.runDevice, s.cardId, JSON.stringify(sa), mine ? 'pending' : 'seen', now);
            // A reviewer whose own decision on this card lost sees who won.
            db.prepare(
              `UPDATE team_decisions SET state = 'conflict', message = ?, updated_at = ? WHERE card_id = ? AND approval_id != ? AND state IN ('queued','accepted','conflict')`,
            ).run(`${s.by.user} on ${s.by.device} ${s.decision} this card first (${s.at})`, now, s.cardId, s.approvalId);
          },
        };
      }
    }
    return malformed();
  }

  /** Approvals pulled for this device's runs: verified, then applied through the run engine, or refused and recorded. */
  async processInbox(cfg: SyncConfig | null = this.config()): Promise<number> {
    if (!cfg || !this.runs) return 0;
    const pending = this.d.db.prepare("SELECT approval_id, seq, from_device, body FROM team_inbox WHERE state = 'pending' ORDER BY seq").all() as {
      approval_id: string;
      seq: number;
      from_device: string;
      body: string;
    }[];
    let applied = 0;
    const serverKey = publicKeyFromRaw(cfg.serverPublicKey);
    for (const p of pending) {
      const sa = JSON.parse(p.body) as SignedApproval;
      const done = (state: 'applied' | 'refused', code: string | null, message: string | null) =>
        this.d.db.prepare('UPDATE team_inbox SET state = ?, code = ?, message = ? WHERE approval_id = ?').run(state, code, message, p.approval_id);
      // Applied before a crash (the card carries its approval id): only the inbox row is behind.
      const already = this.d.db.prepare('SELECT 1 FROM card_approvals WHERE approval_id = ?').pluck().get(p.approval_id);
      if (already) {
        done('applied', null, null);
        continue;
      }
      const check = verifyApproval(sa, {
        serverKey,
        tenant: cfg.tenant,
        device: cfg.deviceId,
        latestCert: (d) => this.latestCert(d),
        now: this.d.clock.now(),
        run: (id) => {
          const r = this.d.db.prepare('SELECT id, status, awaiting_card FROM runs WHERE id = ?').get(id) as
            { id: string; status: string; awaiting_card: string | null } | undefined;
          return r ? { id: r.id, status: r.status, awaitingCard: r.awaiting_card } : null;
        },
        seen: (id) => this.d.db.prepare("SELECT 1 FROM team_inbox WHERE approval_id = ? AND state IN ('applied','refused')").pluck().get(id) !== undefined,
      });
      const s = sa.statement;
      if (!check.ok) {
        this.d.db.transaction(() => {
          done('refused', check.code, check.message);
          this.refuse(p.seq, 'approval', p.from_device, s?.cardId ?? null, check.code, check.message);
        })();
        continue;
      }
      try {
        await this.runs.decide(s.runId, {
          decision: s.decision,
          comment: s.comment,
          actor: { id: s.by.user, role: s.by.role, tenant: s.tenant },
          via: { device: s.by.device, certVersion: s.by.certVersion, approvalId: s.approvalId },
          expectCard: s.cardId,
          within: () => done('applied', null, null),
        });
        applied += 1;
      } catch (e) {
        const code = e instanceof ApiError ? `APPROVAL_${e.code}` : 'APPROVAL_FAILED';
        this.d.db.transaction(() => {
          done('refused', code, (e as Error).message);
          this.refuse(p.seq, 'approval', p.from_device, s.cardId, code, (e as Error).message);
        })();
      }
    }
    if (pending.length) this.changed(applied);
    return applied;
  }

  /** team.skip: move past the item the pull stopped at (reason, audited). */
  skip(seq: number, reason: string): TeamStatus {
    const st = this.stateRow();
    if (st.stopped_seq !== seq)
      throw new ApiError('CONFLICT', st.stopped_seq === null ? 'The pull is not stopped' : `The pull is stopped at ${st.stopped_seq}, not ${seq}`);
    const actor = `user:${this.d.profile.require().id}`;
    this.d.db.transaction(() => {
      this.d.db
        .prepare('INSERT INTO team_refusals (at, seq, kind, from_device, subject, code, message) VALUES (?, ?, ?, NULL, NULL, ?, ?)')
        .run(this.now(), seq, 'item', st.stopped_code ?? 'SKIPPED', `Skipped by ${actor}: ${reason}`);
      this.d.db
        .prepare(
          'UPDATE team_state SET cursor = max(cursor, ?), stopped_seq = NULL, stopped_code = NULL, stopped_message = NULL, stopped_at = NULL WHERE singleton = 1',
        )
        .run(seq);
      this.d.db.prepare('UPDATE alerts SET resolved = 1 WHERE subject = ? AND resolved = 0').run(String(seq));
      this.d.audit.append({
        actor,
        action: 'team.item_skipped',
        subject: String(seq),
        payload: { code: st.stopped_code, message: st.stopped_message, reason },
      });
    })();
    this.changed(0);
    return this.status();
  }

  // ---------------------------------------------------------------- live (long poll)

  /** Long-poll the server while enrolled: approvals and new cards arrive within a second or two. */
  startLive(): void {
    if (this.live) return;
    this.live = true;
    this.liveLoop = (async () => {
      while (this.live) {
        const cfg = this.config();
        let ok = false;
        if (cfg) {
          try {
            const started = Date.now();
            const r = await this.pull({ wait: 25 });
            // Offline, refused, stopped, waiting for a key, or an empty answer that did not wait: back off.
            ok = !this.unreachable && this.stateRow().stopped_seq === null && this.keyWait === null && (r.applied > 0 || Date.now() - started > 500);
          } catch (e) {
            this.d.logger.warn('live pull failed', { code: 'PULL_FAILED', err: (e as Error).message });
          }
        }
        if (!ok && this.live) await new Promise((r) => setTimeout(r, this.unreachable || !cfg ? 10_000 : 2_000).unref());
      }
    })();
  }

  async stopLive(): Promise<void> {
    this.live = false;
    await this.liveLoop?.catch(() => {});
    this.liveLoop = null;
  }

  // ---------------------------------------------------------------- what the views read

  private decisionFor(cardId: string): TeamCardView['decision'] {
    const r = this.d.db.prepare('SELECT state, decision, at, message FROM team_decisions WHERE card_id = ? ORDER BY updated_at DESC LIMIT 1').get(cardId);
    return (r as NonNullable<TeamCardView['decision']> | undefined) ?? null;
  }

  private me(): { device: string; user: string } {
    const cfg = this.config();
    const p = this.d.profile.get();
    return { device: cfg?.deviceId ?? p?.deviceId ?? 'this-device', user: cfg?.user ?? p?.name ?? '' };
  }

  cards(q: TeamCardQuery): TeamPage<TeamCardView> {
    const limit = q.limit ?? 100;
    const me = this.me();
    const [bTime, bDevice, bId] = decodeKeyset(q.before);
    const text = q.q?.trim() ? `%${q.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const params = {
      status: q.status ?? null,
      lane: q.lane ?? null,
      run: q.runId ?? null,
      device: q.device ?? null,
      text,
      bTime,
      bDevice,
      bId,
      limit: limit + 1,
      me: me.device,
    };
    // Pulled cards and this device's own, merged by (time, device, id) descending: one keyset over both.
    const rows = this.d.db
      .prepare(
        `SELECT * FROM (
           SELECT device, card_id AS id, user, created_at, body, received_at, 0 AS local FROM team_cards
           WHERE (:status IS NULL OR status = :status) AND (:lane IS NULL OR lane = :lane) AND (:run IS NULL OR run_id = :run)
             AND (:device IS NULL OR device = :device) AND (:text IS NULL OR body LIKE :text ESCAPE '\\')
           UNION ALL
           SELECT :me AS device, c.id, '' AS user, c.created_at, NULL AS body, c.created_at AS received_at, 1 AS local FROM decision_cards c
           WHERE (:status IS NULL OR c.status = :status OR (c.status = 'awaiting_approval' AND :status IN ('approved','rejected')))
             AND (:lane IS NULL OR c.lane = :lane) AND (:run IS NULL OR c.run_id = :run) AND (:device IS NULL OR :device = :me)
             AND (:text IS NULL OR c.body LIKE :text ESCAPE '\\')
         )
         WHERE :bTime IS NULL OR (created_at, device, id) < (:bTime, :bDevice, :bId)
         ORDER BY created_at DESC, device DESC, id DESC LIMIT :limit`,
      )
      .all(params) as { device: string; id: string; user: string; created_at: string; body: string | null; received_at: string; local: number }[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const items: TeamCardView[] = [];
    for (const r of page) {
      const card = r.local ? this.runs!.cards.get(r.id) : (JSON.parse(r.body!) as DecisionCard);
      if (r.local && q.status && card.status !== q.status) continue;
      items.push({
        device: r.device,
        user: r.local ? me.user : r.user,
        local: r.local === 1,
        card,
        receivedAt: r.received_at,
        decision: this.decisionFor(r.id),
      });
    }
    const last = page[page.length - 1];
    return {
      items,
      nextBefore: more && last ? encodeKeyset(last) : null,
      asOf: this.stateRow().last_pull_at,
    };
  }

  runsPage(q: TeamRunQuery): TeamPage<TeamRunView> {
    const limit = q.limit ?? 100;
    const me = this.me();
    const [bTime, bDevice, bId] = decodeKeyset(q.before);
    const rows = this.d.db
      .prepare(
        `SELECT * FROM (
           SELECT device, run_id AS id, user, created_at, body, awaiting_card, received_at, 0 AS local FROM team_runs
           WHERE (:status IS NULL OR status = :status) AND (:device IS NULL OR device = :device)
           UNION ALL
           SELECT :me AS device, r.id, '' AS user, r.created_at, NULL AS body, r.awaiting_card, r.updated_at AS received_at, 1 AS local FROM runs r
           WHERE (:status IS NULL OR r.status = :status) AND (:device IS NULL OR :device = :me)
         )
         WHERE :bTime IS NULL OR (created_at, device, id) < (:bTime, :bDevice, :bId)
         ORDER BY created_at DESC, device DESC, id DESC LIMIT :limit`,
      )
      .all({ status: q.status ?? null, device: q.device ?? null, me: me.device, bTime, bDevice, bId, limit: limit + 1 }) as {
      device: string;
      id: string;
      user: string;
      created_at: string;
      body: string | null;
      awaiting_card: string | null;
      received_at: string;
      local: number;
    }[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const items = page.map((r) => this.runView(r, me));
    const last = page[page.length - 1];
    return {
      items,
      nextBefore: more && last ? encodeKeyset(last) : null,
      asOf: this.stateRow().last_pull_at,
    };
  }

  private runView(
    r: { device: string; id: string; user: string; body: string | null; awaiting_card: string | null; received_at: string; local: number },
    me: { device: string; user: string },
  ): TeamRunView {
    const run = r.local ? toRunSummaryView(this.runs!.get(r.id)) : (JSON.parse(r.body!) as RunSummary);
    const awaitingCard = run.status === 'awaiting_approval' ? r.awaiting_card : null;
    return {
      device: r.device,
      user: r.local ? me.user : r.user,
      local: r.local === 1,
      run,
      awaitingCard,
      receivedAt: r.received_at,
      decision: awaitingCard ? this.decisionFor(awaitingCard) : this.lastDecisionForRun(r.device, r.id),
    };
  }

  private lastDecisionForRun(device: string, runId: string): TeamCardView['decision'] {
    const r = this.d.db
      .prepare('SELECT card_id FROM team_decisions WHERE device = ? AND run_id = ? ORDER BY updated_at DESC LIMIT 1')
      .pluck()
      .get(device, runId) as string | undefined;
    return r ? this.decisionFor(r) : null;
  }

  run(device: string, runId: string): { run: TeamRunView; cards: TeamCardView[] } {
    const me = this.me();
    if (device === me.device) {
      const r = this.d.db.prepare('SELECT id, awaiting_card, updated_at FROM runs WHERE id = ?').get(runId) as
        { id: string; awaiting_card: string | null; updated_at: string } | undefined;
      if (!r) throw new ApiError('NOT_FOUND', `No run ${runId} on this device`);
      const cards = this.runs!.cards.forRun(runId).map((card) => ({
        device,
        user: me.user,
        local: true,
        card,
        receivedAt: card.createdAt,
        decision: this.decisionFor(card.id),
      }));
      return {
        run: this.runView({ device, id: r.id, user: me.user, body: null, awaiting_card: r.awaiting_card, received_at: r.updated_at, local: 1 }, me),
        cards,
      };
    }
    const r = this.d.db
      .prepare('SELECT device, run_id AS id, user, body, awaiting_card, received_at FROM team_runs WHERE device = ? AND run_id = ?')
      .get(device, runId) as { device: string; id: string; user: string; body: string; awaiting_card: string | null; received_at: string } | undefined;
    if (!r) throw new ApiError('NOT_FOUND', `No run ${runId} from device ${device} has reached this device`);
    const cards = (
      this.d.db
        .prepare('SELECT card_id, user, body, received_at FROM team_cards WHERE device = ? AND run_id = ? ORDER BY created_at, card_id')
        .all(device, runId) as {
        card_id: string;
        user: string;
        body: string;
        received_at: string;
      }[]
    ).map((c) => ({
      device,
      user: c.user,
      local: false,
      card: JSON.parse(c.body) as DecisionCard,
      receivedAt: c.received_at,
      decision: this.decisionFor(c.card_id),
    }));
    return { run: this.runView({ ...r, local: 0 }, me), cards };
  }

  records(q: { device?: string; limit?: number; before?: string }): TeamPage<TeamRecordView> {
    const limit = q.limit ?? 100;
    const before = q.before ? Number(Buffer.from(q.before, 'base64url').toString('utf8')) : null;
    const rows = this.d.db
      .prepare(
        `SELECT device, item_id, user, kind, contract, created_at, body, seq, received_at FROM team_records
         WHERE (:device IS NULL OR device = :device) AND (:before IS NULL OR seq < :before) ORDER BY seq DESC LIMIT :limit`,
      )
      .all({ device: q.device ?? null, before, limit: limit + 1 }) as {
      device: string;
      item_id: string;
      user: string;
      kind: 'record' | 'attachment';
      contract: string;
      created_at: string;
      body: string;
      seq: number;
      received_at: string;
    }[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        device: r.device,
        user: r.user,
        kind: r.kind,
        id: r.item_id,
        contract: r.contract,
        createdAt: r.created_at,
        receivedAt: r.received_at,
        data: JSON.parse(r.body) as unknown,
      })),
      nextBefore: rows.length > limit && last ? Buffer.from(String(last.seq)).toString('base64url') : null,
      asOf: this.stateRow().last_pull_at,
    };
  }

  refusals(limit = 100): TeamRefusal[] {
    return (
      this.d.db.prepare('SELECT id, at, seq, kind, from_device, subject, code, message FROM team_refusals ORDER BY id DESC LIMIT ?').all(limit) as {
        id: number;
        at: string;
        seq: number | null;
        kind: TeamRefusal['kind'];
        from_device: string | null;
        subject: string | null;
        code: string;
        message: string;
      }[]
    ).map((r) => ({ id: r.id, at: r.at, seq: r.seq, kind: r.kind, from: r.from_device, subject: r.subject, code: r.code, message: r.message }));
  }

  peers(): TeamPeer[] {
    const rows = this.d.db
      .prepare('SELECT c.* FROM team_certs c WHERE version = (SELECT max(version) FROM team_certs x WHERE x.device = c.device) ORDER BY user, device')
      .all() as CertRow[];
    return rows.map((r) => ({
      device: r.device,
      user: r.user,
      roles: JSON.parse(r.roles) as TeamRole[],
      status: r.status,
      certVersion: r.version,
      expiresAt: r.expires_at,
      hasEncryptionKey: r.encryption_key !== null,
    }));
  }
}

export { TenantKeys };
