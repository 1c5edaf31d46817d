// Tenant keys on the server: the key versions wrapped for this device are fetched and installed; an
// admin device creates the first version, wraps the versions it holds for devices that lack them,
// and rotates (a new version for new items, wrapped for the active devices only).
import { ApiError } from '../../../shared/errors';
import { compileSchema } from '../../../shared/validation';
import {
  MY_KEYS_PATH,
  type DeviceCertificate,
  type MyWrappedKeys,
  type SignedCertificate,
  type SignedWrappedKey,
  type TeamKeysPostResponse,
  type TeamKeysStatus,
} from '../../../shared/team/protocol';
import { myWrappedKeysSchema, teamKeysPostResponseSchema, teamKeysStatusSchema } from '../../../shared/team/schemas';
import type { SyncConfig } from '../../platform/device/sync-config';
import { SERVICE, type Signer, type TeamCore } from './core';
import type { CertStore } from './cert-store';
import type { FeedItems } from './feed-items';
import { wrapTenantKey } from './crypto';
import { verifyCertificate } from './certs';

export class KeyAdmin {
  constructor(
    private readonly core: TeamCore,
    private readonly certs: CertStore,
    private readonly items: FeedItems,
  ) {}

  async keysStatus(cfg: SyncConfig, signer: Signer): Promise<TeamKeysStatus | null> {
    const reply = await this.core.call(cfg, signer, 'GET', '/v1/team/keys');
    return reply.status === 200 && compileSchema(teamKeysStatusSchema)(reply.body) ? (reply.body as TeamKeysStatus) : null;
  }

  /** Fetches and installs the key versions wrapped for this device (verified like the feed's key items). */
  async fetchMyKeys(cfg: SyncConfig, signer: Signer): Promise<number> {
    const { d } = this.core;
    const reply = await this.core.call(cfg, signer, 'GET', MY_KEYS_PATH);
    if (reply.status !== 200 || !compileSchema(myWrappedKeysSchema)(reply.body)) return 0;
    const enc = await this.core.encryptionKeys(cfg);
    const ctx = { cfg, serverKey: this.core.serverKeys(), latest: (dev: string) => this.certs.latest(dev), pageCerts: new Map(), enc };
    let installed = 0;
    for (const w of (reply.body as MyWrappedKeys).wrapped) {
      if (d.tenantKeys.has(cfg.tenant, w.body.keyVersion)) continue;
      const p = await this.items.prepare(ctx, { seq: 0, kind: 'key', at: this.core.now(), key: w });
      if (p.ok) {
        d.db.transaction(p.apply)();
        installed += 1;
      } else this.core.refuse(null, 'key', w.body.wrappedBy, `v${w.body.keyVersion}`, p.code, p.message);
    }
    return installed;
  }

  /**
   * The first admin device creates version 1 when the server has none; an admin holding a version
   * wraps it for every active device that lacks it (the server lists them, with their certificates).
   */
  async maintainKeys(cfg: SyncConfig, signer: Signer, known?: TeamKeysStatus | null): Promise<{ created: number | null; wrapped: number }> {
    const out = { created: null as number | null, wrapped: 0 };
    const st = known ?? (await this.keysStatus(cfg, signer));
    if (!st) return out;
    const myCert = this.certs.latestSigned(cfg.deviceId);
    if (!myCert || !myCert.cert.roles.includes('admin') || myCert.cert.status !== 'active') return out;
    if (st.versions.length === 0) {
      const created = await this.createVersion(cfg, signer, myCert, 1, st.missing);
      out.created = created ? 1 : null;
      this.core.serverKeyVersions = 1;
      return out;
    }
    const wrapped = await this.wrapMissing(cfg, signer, myCert, st.missing);
    if (wrapped.length === 0) return out;
    const { d } = this.core;
    const post = await this.core.call(cfg, signer, 'POST', '/v1/team/keys', { wrapped });
    if (post.status === 200 && compileSchema(teamKeysPostResponseSchema)(post.body)) {
      out.wrapped = (post.body as TeamKeysPostResponse).stored;
      d.audit.append({
        actor: SERVICE,
        action: 'team.keys_wrapped',
        subject: cfg.tenant,
        payload: { devices: [...new Set(wrapped.map((w) => w.body.recipient))], count: wrapped.length },
      });
    } else d.logger.warn('wrapping tenant keys refused', { code: 'TEAM_KEYS_REFUSED', status: post.status });
    return out;
  }

  /** The versions this device holds, wrapped for each verified, active device that lacks them. */
  private async wrapMissing(cfg: SyncConfig, signer: Signer, myCert: SignedCertificate, missing: TeamKeysStatus['missing']): Promise<SignedWrappedKey[]> {
    const { tenantKeys } = this.core.d;
    const serverKey = this.core.serverKeys();
    const wrapped: SignedWrappedKey[] = [];
    for (const m of missing) {
      if (m.device === cfg.deviceId) continue;
      if (!verifyCertificate(m.certificate, serverKey, { tenant: cfg.tenant }).ok) continue;
      const c = m.certificate.cert;
      if (c.device !== m.device || c.status !== 'active' || !c.encryptionKey) continue;
      for (const v of m.versions) {
        if (!tenantKeys.has(cfg.tenant, v)) continue;
        const key = await tenantKeys.get(cfg.tenant, v);
        wrapped.push(this.wrapFor(cfg, signer, myCert, v, key, c));
      }
    }
    return wrapped;
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
      wrappedAt: this.core.now(),
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
    const { d } = this.core;
    const key = await d.tenantKeys.generate(cfg.tenant, version);
    const serverKey = this.core.serverKeys();
    const wrapped: SignedWrappedKey[] = [];
    for (const m of missing) {
      if (m.device === cfg.deviceId || !verifyCertificate(m.certificate, serverKey, { tenant: cfg.tenant }).ok) continue;
      const c = m.certificate.cert;
      if (c.status === 'active' && c.encryptionKey && c.device === m.device) wrapped.push(this.wrapFor(cfg, signer, myCert, version, key, c));
    }
    const post = await this.core.call(cfg, signer, 'POST', '/v1/team/keys', { create: { version }, wrapped });
    if (post.status !== 200) {
      // Another admin created it first: this one's key is never listed; the other's arrives wrapped.
      d.logger.info('tenant key version not created here', { version, status: post.status });
      return false;
    }
    d.db.transaction(() => {
      const first = d.tenantKeys.currentVersion(cfg.tenant) === null;
      d.tenantKeys.list(cfg.tenant, version, 'created', cfg.deviceId);
      if (first) this.core.firstKeyArrived();
      d.audit.append({
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
    const cfg = this.core.config();
    if (!cfg) throw new ApiError('CONFLICT', 'Enroll this device first', { reason: 'not_enrolled' });
    if (!cfg.roles.includes('admin')) throw new ApiError('FORBIDDEN', 'Only an admin device rotates the tenant key', { reason: 'role' });
    const signer = await this.core.signer();
    const myCert = this.certs.latestSigned(cfg.deviceId);
    if (!signer || !myCert) throw new ApiError('FORBIDDEN', 'This device has no signing key or certificate yet; sync first', { reason: 'certificate' });
    const reply = await this.core.call(cfg, signer, 'GET', '/v1/team/keys');
    if (reply.status !== 200 || !compileSchema(teamKeysStatusSchema)(reply.body))
      throw new ApiError('NOT_FOUND', `The server did not answer (HTTP ${reply.status})`, { reason: 'http', status: reply.status });
    const st = reply.body as TeamKeysStatus;
    const version = Math.max(0, ...st.versions.map((v) => v.version)) + 1;
    // Every active device the server knows lacks the new version: ask again after creating it.
    if (!(await this.createVersion(cfg, signer, myCert, version, [])))
      throw new ApiError('CONFLICT', `Tenant key version ${version} was created by another admin meanwhile`, { reason: 'key_version', version });
    await this.maintainKeys(cfg, signer);
    return { tenant: cfg.tenant, version };
  }
}
