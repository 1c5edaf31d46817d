// Approvals made on this device: signed under this device's certificate (reviewers and admins only),
// queued for the server and remembered as this device's decision; a run of this device decided here
// carries the same signed record.
import { ApiError } from '../../../shared/errors';
import {
  APPROVER_ROLES,
  TEAM_CONTRACTS,
  topRole,
  type ApprovalStatement,
  type SignedApproval,
  type SignedCertificate,
  type TeamRole,
} from '../../../shared/team/protocol';
import type { RunStatus } from '../../../shared/workflow/types';
import type { SyncConfig } from '../../platform/device/sync-config';
import { newUlid } from '../../platform/util/ulid';
import type { TeamCore } from './core';
import type { CertStore } from './cert-store';
import { signApproval } from './approvals';

export interface RemoteDecision {
  device: string;
  runId: string;
  cardId: string;
  decision: 'approved' | 'rejected';
  comment: string;
}

export type LocalDecision = { via: { device: string; certVersion: number; approvalId: string }; within: () => void };

export class Decisions {
  constructor(
    private readonly core: TeamCore,
    private readonly certs: CertStore,
  ) {}

  private approverCheck(cfg: SyncConfig): { cert: SignedCertificate; role: TeamRole } {
    const cert = this.certs.latestSigned(cfg.deviceId);
    if (!cert) throw new ApiError('FORBIDDEN', 'This device has no certificate yet; sync first', { reason: 'certificate' });
    if (cert.cert.status !== 'active') throw new ApiError('FORBIDDEN', 'This device has been revoked', { reason: 'revoked' });
    const role = topRole(cert.cert.roles);
    if (!APPROVER_ROLES.includes(role))
      throw new ApiError('FORBIDDEN', `Only a reviewer or an admin can approve or reject a run (this device is ${role})`, { reason: 'role', role });
    return { cert, role };
  }

  private async sign(cfg: SyncConfig, s: Omit<ApprovalStatement, 'type' | 'approvalId' | 'tenant' | 'by' | 'at'>): Promise<SignedApproval> {
    const { cert, role } = this.approverCheck(cfg);
    const signer = await this.core.signer();
    if (!signer) throw new ApiError('FORBIDDEN', 'Unlock the key store first', { reason: 'locked' });
    const statement: ApprovalStatement = {
      type: 'maestro.approval.v1',
      approvalId: newUlid(),
      tenant: cfg.tenant,
      ...s,
      by: { user: cfg.user, device: cfg.deviceId, certVersion: cert.cert.certVersion, role },
      at: this.core.now(),
    };
    return signApproval(statement, signer.key, cert);
  }

  /** Queue a signed approval (inside the caller's transaction) and remember it as this device's decision. */
  private queueApproval(cfg: SyncConfig, sa: SignedApproval, state: 'queued' | 'applied'): void {
    const { d } = this.core;
    const s = sa.statement;
    const outboxId = d.outbox.enqueueShare(
      'approval',
      s.approvalId,
      TEAM_CONTRACTS.approval,
      { tenant: cfg.tenant, deviceId: d.profile.require().deviceId },
      this.core.now(),
      {
        subject: s.cardId,
        to: s.runDevice,
        payload: JSON.stringify(sa),
      },
    );
    d.db
      .prepare(
        `INSERT INTO team_decisions (approval_id, device, run_id, card_id, decision, comment, at, state, message, outbox_id, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
      )
      .run(s.approvalId, s.runDevice, s.runId, s.cardId, s.decision, s.comment, s.at, state, outboxId, this.core.now());
    d.audit.append({
      actor: `user:${d.profile.require().id}`,
      action: 'team.approval_signed',
      subject: s.runId,
      payload: { approvalId: s.approvalId, device: s.runDevice, card: s.cardId, decision: s.decision, certVersion: s.by.certVersion },
    });
  }

  /** runs.decide with scope 'tenant': a run that waits on another device. */
  async decideRemote(req: RemoteDecision): Promise<{ approvalId: string; state: 'queued' }> {
    const cfg = this.core.config();
    if (!cfg) throw new ApiError('CONFLICT', 'Enroll this device first', { reason: 'not_enrolled' });
    if (req.device === cfg.deviceId)
      throw new ApiError('VALIDATION_ERROR', 'This run is on this device: decide it in the run view (runs.decide)', { reason: 'local' });
    this.checkRemote(req);
    const sa = await this.sign(cfg, { runId: req.runId, cardId: req.cardId, runDevice: req.device, decision: req.decision, comment: req.comment });
    this.core.d.db.transaction(() => this.queueApproval(cfg, sa, 'queued'))();
    this.core.changed(0);
    return { approvalId: sa.statement.approvalId, state: 'queued' };
  }

  /** The run (as of the last pull) waits on this card, and this device has not decided it yet. */
  private checkRemote(req: RemoteDecision): void {
    const { db } = this.core.d;
    const run = db.prepare('SELECT status, awaiting_card FROM team_runs WHERE device = ? AND run_id = ?').get(req.device, req.runId) as
      { status: RunStatus; awaiting_card: string | null } | undefined;
    const card = db.prepare('SELECT status FROM team_cards WHERE device = ? AND card_id = ?').get(req.device, req.cardId) as { status: string } | undefined;
    if (!run && !card) throw new ApiError('NOT_FOUND', `No run ${req.runId} from device ${req.device} has reached this device`, { reason: 'remote_run' });
    if (run && (run.status !== 'awaiting_approval' || (run.awaiting_card && run.awaiting_card !== req.cardId))) {
      throw new ApiError(
        'CONFLICT',
        `Run ${req.runId} is ${run.status}${run.awaiting_card ? ` and waits on card ${run.awaiting_card}` : ''} as of the last pull`,
        { reason: 'run_state', status: run.status },
      );
    }
    const open = db.prepare("SELECT approval_id FROM team_decisions WHERE card_id = ? AND state IN ('queued','accepted','applied')").pluck().get(req.cardId);
    if (open) throw new ApiError('CONFLICT', `This device already decided card ${req.cardId}`, { reason: 'already_decided', approvalId: open });
  }

  /**
   * runs.decide on an enrolled device: the same signed record as a remote decision, applied here and
   * sent so the server's first-decision-wins rule sees it. Not enrolled: null (a plain local decision).
   */
  async localDecision(runId: string, decision: 'approved' | 'rejected', comment: string): Promise<LocalDecision | null> {
    const cfg = this.core.config();
    if (!cfg || !this.certs.latest(cfg.deviceId)) return null;
    const awaiting = this.core.d.runQueries.state(runId)?.awaitingCard;
    if (!awaiting) return null;
    const sa = await this.sign(cfg, { runId, cardId: awaiting, runDevice: cfg.deviceId, decision, comment });
    const s = sa.statement;
    return {
      via: { device: cfg.deviceId, certVersion: s.by.certVersion, approvalId: s.approvalId },
      within: () => this.queueApproval(cfg, sa, 'applied'),
    };
  }
}
