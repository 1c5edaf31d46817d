// What every part of team sync shares: the deps, this device's enrollment and keys, the server call,
// the pull state row, and the two ways an item fails (refused and recorded, or the pull stops).
import { ApiError } from '../../../shared/errors';
import type { TeamRefusal } from '../../../shared/team/views';
import { msg } from '../../../shared/messages';
import { withCause } from '../../../shared/error-messages';
import { ENCRYPTION_KEY } from '../../platform/device/credential';
import { readSyncConfig, type SyncConfig } from '../../platform/device/sync-config';
import { pinnedRing, readServerKeyRing, type DeviceKeyRing } from '../../platform/device/server-keys';
import { sendJson, type FetchFn } from '../../platform/device/signed-fetch';
import type { DeviceSigner, TeamDeps } from './ports';

export const SERVICE = 'service:team';

export type Signer = DeviceSigner;
export type EncKeys = { encPem: string | null; encPub: string | null };

export interface StateRow {
  cursor: number;
  applied: number;
  last_pull_at: string | null;
  last_server_time: string | null;
  stopped_seq: number | null;
  stopped_code: string | null;
  stopped_message: string | null;
  stopped_at: string | null;
}

export class TeamCore {
  /** How many tenant key versions the server had at the last sync run; null: not asked yet. */
  serverKeyVersions: number | null = null;
  /** The last pull could not reach the server (or was refused): the live loop backs off. */
  unreachable = false;
  /** The pull waits at this item for a key version not yet wrapped for this device. */
  keyWait: { seq: number; message: string } | null = null;
  /** The live loop (long poll) is on. */
  live = false;
  private readonly fetchFn: FetchFn;
  /** Set by TeamService: what happens, inside the key's transaction, when the first tenant key reaches this device. */
  onFirstKey: (() => void) | null = null;

  constructor(readonly d: TeamDeps) {
    this.fetchFn = d.fetch ?? ((...a: Parameters<FetchFn>) => fetch(...a));
  }

  config(): SyncConfig | null {
    return readSyncConfig(this.d.db);
  }

  /** The server keys this device trusts (the pinned one and those learned since). */
  serverKeys(): DeviceKeyRing {
    const cfg = readSyncConfig(this.d.db);
    return readServerKeyRing(this.d.db) ?? pinnedRing(cfg?.serverKeyId ?? '', cfg?.serverPublicKey ?? '');
  }

  now(): string {
    return this.d.clock.now().toISOString();
  }

  /** This device's request signer; null while the vault is locked or the key is missing (nothing to do yet). */
  async signer(): Promise<Signer | null> {
    try {
      return (await this.d.credential()).signer;
    } catch (e) {
      if (e instanceof ApiError) return null;
      throw e;
    }
  }

  /** This device's X25519 key pair from the secret store (private PEM, public raw base64). */
  async encryptionKeys(cfg: SyncConfig): Promise<EncKeys> {
    const store = await this.d.secrets();
    return { encPem: await store.get(`${ENCRYPTION_KEY}:${cfg.deviceId}`), encPub: await store.get(`${ENCRYPTION_KEY}-public:${cfg.deviceId}`) };
  }

  call(cfg: SyncConfig, signer: Signer, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 30_000) {
    return sendJson(this.fetchFn, cfg.serverUrl, method, path, body, signer, timeoutMs);
  }

  /** The first tenant key was just listed on this device (created here or unwrapped): items that waited for one are shared. */
  firstKeyArrived(): void {
    this.onFirstKey?.();
  }

  stateRow(): StateRow {
    return this.d.db.prepare('SELECT * FROM team_state WHERE singleton = 1').get() as StateRow;
  }

  changed(applied: number): void {
    const st = this.stateRow();
    this.d.events.emit('team.changed', { cursor: st.cursor, applied, stopped: st.stopped_seq !== null });
  }

  /** The pull stops at this item until someone skips it with a reason. */
  stop(seq: number, code: string, message: string): void {
    this.d.db.transaction(() => {
      this.d.db
        .prepare('UPDATE team_state SET stopped_seq = ?, stopped_code = ?, stopped_message = ?, stopped_at = ? WHERE singleton = 1')
        .run(seq, code, message, this.now());
      this.d.alerts.alert(code, withCause(msg('alerts.team.stopped', { seq: String(seq) }), message), String(seq));
      this.d.audit.append({ actor: SERVICE, action: 'team.pull_stopped', subject: String(seq), payload: { code, message } });
    })();
  }

  /** An item refused and recorded (the pull goes on). */
  refuse(seq: number | null, kind: TeamRefusal['kind'], from: string | null, subject: string | null, code: string, message: string): void {
    this.d.db
      .prepare('INSERT INTO team_refusals (at, seq, kind, from_device, subject, code, message) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(this.now(), seq, kind, from, subject, code, message);
    const where = subject && from ? 'both' : subject ? 'subject' : from ? 'from' : 'none';
    this.d.alerts.alert(code, withCause(msg('alerts.team.refused', { kind, where, subject: subject ?? '', from: from ?? '' }), message), subject ?? '');
    this.d.audit.append({ actor: SERVICE, action: `team.${kind}_refused`, subject: subject ?? String(seq ?? ''), payload: { seq, from, code, message } });
  }
}
