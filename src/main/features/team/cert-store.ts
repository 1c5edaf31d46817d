// Device certificates this device holds (its own and its peers'): stored verified, newest version
// wins; a newer one of this device changes its roles or tells it it was revoked.
import { ApiError } from '../../../shared/errors';
import { msg } from '../../../shared/messages';
import { compileSchema } from '../../../shared/validation';
import { topRole, type DeviceCertificate, type SignedCertificate, type TeamRole } from '../../../shared/team/protocol';
import { certificateResponseSchema } from '../../../shared/team/schemas';
import type { TeamPeer } from '../../../shared/team/views';
import { publicKeyFromRaw } from '../../../platform/ed25519';
import { ENCRYPTION_KEY } from '../../platform/device/credential';
import type { SyncConfig } from '../../platform/device/sync-config';
import { writeSyncRoles } from '../../platform/device/sync-roles';
import { SERVICE, type Signer, type TeamCore } from './core';
import { newEncryptionKeyPair } from './crypto';
import { verifyCertificate } from './certs';

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

export class CertStore {
  constructor(private readonly core: TeamCore) {}

  private row(device: string): CertRow | undefined {
    return this.core.d.db.prepare('SELECT * FROM team_certs WHERE device = ? ORDER BY version DESC LIMIT 1').get(device) as CertRow | undefined;
  }

  latest(device: string): DeviceCertificate | null {
    const r = this.row(device);
    return r ? (JSON.parse(r.cert) as SignedCertificate).cert : null;
  }

  latestSigned(device: string): SignedCertificate | null {
    const r = this.row(device);
    return r ? (JSON.parse(r.cert) as SignedCertificate) : null;
  }

  /** Stores a verified certificate (idempotent). A newer one of this device updates its roles and alerts on revocation. */
  store(sc: SignedCertificate): void {
    const { d } = this.core;
    const c = sc.cert;
    const res = d.db
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
        this.core.now(),
      );
    const cfg = this.core.config();
    if (res.changes === 0 || !cfg || c.device !== cfg.deviceId) return;
    const latest = this.latest(cfg.deviceId);
    if (!latest || latest.certVersion !== c.certVersion) return;
    if (JSON.stringify(cfg.roles) !== JSON.stringify(c.roles)) {
      writeSyncRoles(d.db, c.roles);
      d.profile.setRole(topRole(c.roles));
      d.audit.append({ actor: SERVICE, action: 'device.roles_changed', subject: c.device, payload: { roles: c.roles, certVersion: c.certVersion } });
    }
    if (c.status === 'revoked') {
      d.alerts.alert('DEVICE_REVOKED', msg('alerts.device_revoked'), c.device);
      d.audit.append({ actor: SERVICE, action: 'device.revoked_by_server', subject: c.device, payload: { certVersion: c.certVersion } });
    }
  }

  /** Enrollment hands over the first certificate; it must verify against the server key just pinned. */
  acceptEnrollment(sc: unknown, serverPublicKey: string, tenant: string, device: string): SignedCertificate {
    // At enrollment: the key the server just named (its certificate is signed by it).
    const pinned = publicKeyFromRaw(serverPublicKey);
    const check = verifyCertificate(sc, { keyFor: () => pinned }, { tenant });
    if (!check.ok) throw new ApiError('INTERNAL', `The server's certificate for this device does not verify: ${check.message}`, { code: check.code });
    const cert = (sc as SignedCertificate).cert;
    if (cert.device !== device) throw new ApiError('INTERNAL', 'The server issued a certificate for another device');
    return sc as SignedCertificate;
  }

  /** Devices enrolled before team sync register an encryption key; the server answers with a new certificate. */
  async ensureEncryptionKey(cfg: SyncConfig, signer: Signer): Promise<void> {
    const mine = this.latest(cfg.deviceId);
    if (mine?.encryptionKey) return;
    const store = await this.core.d.secrets();
    let pub: string | null = null;
    if (!(await store.get(`${ENCRYPTION_KEY}:${cfg.deviceId}`))) {
      const kp = newEncryptionKeyPair();
      await store.set(`${ENCRYPTION_KEY}:${cfg.deviceId}`, kp.privatePem);
      await store.set(`${ENCRYPTION_KEY}-public:${cfg.deviceId}`, kp.publicRaw);
      pub = kp.publicRaw;
    } else pub = await store.get(`${ENCRYPTION_KEY}-public:${cfg.deviceId}`);
    if (!pub) return;
    const reply = await this.core.call(cfg, signer, 'POST', '/v1/team/encryption-key', { encryptionKey: pub });
    if (reply.status !== 200) return;
    const valid = compileSchema(certificateResponseSchema);
    if (!valid(reply.body)) return;
    const sc = (reply.body as { certificate: SignedCertificate }).certificate;
    const check = verifyCertificate(sc, this.core.serverKeys(), { tenant: cfg.tenant });
    if (check.ok && sc.cert.device === cfg.deviceId) this.core.d.db.transaction(() => this.store(sc))();
  }

  count(): { refused: number; peers: number } {
    const db = this.core.d.db;
    return {
      refused: db.prepare('SELECT count(*) FROM team_refusals').pluck().get() as number,
      peers: db.prepare('SELECT count(DISTINCT device) FROM team_certs').pluck().get() as number,
    };
  }

  peers(): TeamPeer[] {
    const rows = this.core.d.db
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
