// Team sync, device half (issue 9; docs/security.md, decision 0013): this device's certificate and
// X25519 key, tenant keys (created by the first admin device, wrapped per device, unwrapped here), the
// pull path (GET /v1/sync/changes: cursor and applied items in one transaction, stop on a gap or an
// item that does not decrypt or verify), shared run and card snapshots, and approvals signed on one
// machine and verified on another.
//
// TeamService is the facade the app, the sync engine, handlers, scripts and tests call; the work is
// done by the parts below (one file each). What it needs of other features comes in through ports.ts.
import type { SignedCertificate, TeamKeysStatus } from '../../../shared/team/protocol';
import type {
  TeamCardQuery,
  TeamCardView,
  TeamDirectory,
  TeamPage,
  TeamPeer,
  TeamRecordView,
  TeamRefusal,
  TeamRunQuery,
  TeamRunView,
  TeamStatus,
} from '../../../shared/team/views';
import type { DeviceCertificate } from '../../../shared/team/protocol';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { DecisionContext } from '../../../shared/workflow/decision-context';
import type { SyncConfig } from '../../platform/device/sync-config';
import { TeamCore, type Signer } from './core';
import { CertStore } from './cert-store';
import { FeedItems } from './feed-items';
import { KeyAdmin } from './key-admin';
import { Sharing } from './sharing';
import { Decisions, type LocalDecision, type RemoteDecision } from './decisions';
import { Inbox } from './inbox';
import { Puller } from './pull';
import { TeamViews } from './views';
import { buildDirectory } from './directory';
import { tenantCardStats } from './card-stats';
import type { CardStats } from '../../../shared/workflow/views';
import { teamStatus } from './status';
import type { TeamDeps, TeamOutboxRow } from './ports';
import { TenantKeys } from './tenant-keys';

export type { TeamDeps } from './ports';

export class TeamService {
  private readonly core: TeamCore;
  private readonly certs: CertStore;
  private readonly keys: KeyAdmin;
  private readonly sharing: Sharing;
  private readonly decisions: Decisions;
  private readonly inbox: Inbox;
  private readonly puller: Puller;
  private readonly views: TeamViews;

  constructor(d: TeamDeps) {
    this.core = new TeamCore(d);
    this.certs = new CertStore(this.core);
    const items = new FeedItems(this.core, this.certs);
    this.keys = new KeyAdmin(this.core, this.certs, items);
    this.sharing = new Sharing(this.core);
    this.decisions = new Decisions(this.core, this.certs);
    this.inbox = new Inbox(this.core, this.certs);
    this.puller = new Puller(this.core, this.certs, items, this.keys, this.inbox);
    this.views = new TeamViews(this.core);
    // Runs that began waiting for a reviewer before any tenant key existed reach reviewers once one does.
    this.core.onFirstKey = () => this.sharing.shareWaiting();
    // Cards recorded or approved, and runs that changed, are shared with reviewers (inside the
    // writer's transaction for cards; runs as their change is announced on the event bus).
    d.cardChanges.subscribe((card) => this.shareCard(card));
    d.events.subscribe((name, payload) => {
      if (name !== 'runs.changed') return;
      try {
        this.shareRun((payload as { runId: string }).runId);
      } catch (err) {
        d.logger.warn('run event listener failed', { code: 'RUN_LISTENER_FAILED', error: (err as Error).message });
      }
    });
  }

  // ---------------------------------------------------------------- certificates

  latestCert(device: string): DeviceCertificate | null {
    return this.certs.latest(device);
  }

  /** Stores a verified certificate (idempotent). A newer one of this device updates its roles and alerts on revocation. */
  storeCert(sc: SignedCertificate): void {
    this.certs.store(sc);
  }

  /** Enrollment hands over the first certificate; it must verify against the server key just pinned. */
  acceptEnrollmentCertificate(sc: unknown, serverPublicKey: string, tenant: string, device: string): SignedCertificate {
    return this.certs.acceptEnrollment(sc, serverPublicKey, tenant, device);
  }

  status(): TeamStatus {
    return teamStatus(this.core, this.certs, this.tenantKeyOnServer());
  }

  // ---------------------------------------------------------------- before and after a sync run

  /**
   * Before a sync run sends anything: make sure the server has this device's encryption key (devices
   * enrolled before team sync register one), let an admin device create or hand out tenant keys, and
   * pull (wrapped keys arrive that way, so items can be sealed in the same run).
   */
  async prepare(): Promise<void> {
    const cfg = this.core.config();
    if (!cfg) return;
    const signer = await this.core.signer();
    if (!signer) return;
    await this.certs.ensureEncryptionKey(cfg, signer);
    const st = await this.keys.keysStatus(cfg, signer);
    this.core.serverKeyVersions = st ? st.versions.length : this.core.serverKeyVersions;
    if (st && st.mine.some((v) => !this.core.d.tenantKeys.has(cfg.tenant, v))) await this.keys.fetchMyKeys(cfg, signer);
    if (cfg.roles.includes('admin')) await this.keys.maintainKeys(cfg, signer, st);
    // A pull already under way is the live loop's long poll: it answers as soon as the server has
    // anything, so joining it would only hold this run (Sync now) for up to its 25 s wait. This
    // device's own wrapped keys were fetched just above.
    if (!this.puller.busy()) await this.pull();
  }

  /**
   * Whether the tenant has any key version on the server (as of the last sync run): until an admin
   * device creates one, devices seal under a key of their own (stored and receipted, never shared);
   * once one exists, a device without its wrapped copy waits for it. null: not asked yet.
   */
  tenantKeyOnServer(): boolean | null {
    const n = this.core.serverKeyVersions;
    return n === null ? null : n > 0;
  }

  /** After a sync run: admins wrap keys for devices that enrolled meanwhile. */
  async afterSync(): Promise<void> {
    const cfg = this.core.config();
    if (!cfg || !cfg.roles.includes('admin')) return;
    const signer = await this.core.signer();
    if (signer) await this.keys.maintainKeys(cfg, signer);
  }

  // ---------------------------------------------------------------- tenant keys (admin devices)

  maintainKeys(cfg: SyncConfig, signer: Signer, known?: TeamKeysStatus | null): Promise<{ created: number | null; wrapped: number }> {
    return this.keys.maintainKeys(cfg, signer, known);
  }

  /** Admin: a new tenant key version for new items, wrapped for the active devices (revoked ones get none). */
  rotate(): Promise<{ tenant: string; version: number }> {
    return this.keys.rotate();
  }

  // ---------------------------------------------------------------- sharing (field devices)

  /** Inside the card's transaction: queue a snapshot for reviewers (once this device holds a tenant key). */
  shareCard(card: DecisionCard): void {
    this.sharing.shareCard(card);
  }

  shareRun(runId: string): void {
    this.sharing.shareRun(runId);
  }

  /** The plaintext of a team item, made when it is sealed (the latest state of the run or card). */
  plaintextOf(row: TeamOutboxRow): Buffer {
    return this.sharing.plaintextOf(row);
  }

  /** The server's answer to an approval this device sent. */
  noteApprovalResult(row: TeamOutboxRow, accepted: boolean, error?: { code: string; message: string; details?: Record<string, unknown> }): void {
    this.sharing.noteApprovalResult(row, accepted, error);
  }

  // ---------------------------------------------------------------- approvals made here

  /** runs.decide with scope 'tenant': a run that waits on another device. */
  decideRemote(req: RemoteDecision): Promise<{ approvalId: string; state: 'queued' }> {
    return this.decisions.decideRemote(req);
  }

  /**
   * runs.decide on an enrolled device: the same signed record as a remote decision, applied here and
   * sent so the server's first-decision-wins rule sees it. Not enrolled: null (a plain local decision).
   */
  localDecision(runId: string, decision: 'approved' | 'rejected', comment: string): Promise<LocalDecision | null> {
    return this.decisions.localDecision(runId, decision, comment);
  }

  // ---------------------------------------------------------------- the pull

  /** Pull until the server has nothing more (or the pull stops). Serialized: one pull at a time. */
  pull(opts: { wait?: number } = {}): Promise<{ applied: number; stopped: boolean }> {
    return this.puller.pull(opts);
  }

  /** Approvals pulled for this device's runs: verified, then applied through the run service, or refused and recorded. */
  processInbox(cfg: SyncConfig | null = this.core.config()): Promise<number> {
    return this.inbox.process(cfg);
  }

  /** team.skip: move past the item the pull stopped at (reason, audited). */
  skip(seq: number, reason: string): TeamStatus {
    this.puller.skip(seq, reason);
    return this.status();
  }

  /** Long-poll the server while enrolled: approvals and new cards arrive within a second or two. */
  startLive(): void {
    this.puller.startLive();
  }

  stopLive(): Promise<void> {
    return this.puller.stopLive();
  }

  // ---------------------------------------------------------------- what the views read

  cards(q: TeamCardQuery): TeamPage<TeamCardView> {
    return this.views.cards(q);
  }

  runsPage(q: TeamRunQuery): TeamPage<TeamRunView> {
    return this.views.runsPage(q);
  }

  run(device: string, runId: string): { run: TeamRunView; cards: TeamCardView[] } {
    return this.views.run(device, runId);
  }

  runContext(device: string, runId: string): DecisionContext | null {
    return this.views.runContext(device, runId);
  }

  attachmentManifest(device: string, hashHex: string): Record<string, unknown> | null {
    return this.views.attachmentManifest(device, hashHex);
  }

  records(q: { device?: string; limit?: number; before?: string }): TeamPage<TeamRecordView> {
    return this.views.records(q);
  }

  refusals(limit = 100): TeamRefusal[] {
    return this.views.refusals(limit);
  }

  peers(): TeamPeer[] {
    return this.certs.peers();
  }

  /** The tenant's card chart: this device's stats (`local`) plus the pulled cards'. */
  cardStats(local: CardStats): CardStats {
    return tenantCardStats(this.core.d.db, local);
  }

  directory(): TeamDirectory {
    return buildDirectory(this.core, this.certs.peers());
  }
}

export { TenantKeys };
