// Approvals pulled for this device's runs: verified (signer's certificate, role, tenant, the run still
// waiting on that card, no replay), then applied through the run service, or refused and recorded.
import { ApiError } from '../../../shared/errors';
import type { SignedApproval } from '../../../shared/team/protocol';
import type { SyncConfig } from '../../platform/device/sync-config';
import type { TeamCore } from './core';
import type { CertStore } from './cert-store';
import { verifyApproval } from './approvals';

interface Pending {
  approval_id: string;
  seq: number;
  from_device: string;
  body: string;
}

export class Inbox {
  constructor(
    private readonly core: TeamCore,
    private readonly certs: CertStore,
  ) {}

  async process(cfg: SyncConfig | null): Promise<number> {
    if (!cfg) return 0;
    const pending = this.core.d.db
      .prepare("SELECT approval_id, seq, from_device, body FROM team_inbox WHERE state = 'pending' ORDER BY seq")
      .all() as Pending[];
    let applied = 0;
    for (const p of pending) if (await this.one(cfg, p)) applied += 1;
    if (pending.length) this.core.changed(applied);
    return applied;
  }

  private done(p: Pending, state: 'applied' | 'refused', code: string | null, message: string | null): void {
    this.core.d.db.prepare('UPDATE team_inbox SET state = ?, code = ?, message = ? WHERE approval_id = ?').run(state, code, message, p.approval_id);
  }

  /** One pending approval; true when the run service applied it. */
  private async one(cfg: SyncConfig, p: Pending): Promise<boolean> {
    const { d } = this.core;
    const sa = JSON.parse(p.body) as SignedApproval;
    // Applied before a crash (the card carries its approval id): only the inbox row is behind.
    if (d.cardQueries.hasApproval(p.approval_id)) {
      this.done(p, 'applied', null, null);
      return false;
    }
    const check = verifyApproval(sa, {
      serverKey: this.core.serverKeys(),
      tenant: cfg.tenant,
      device: cfg.deviceId,
      latestCert: (dev) => this.certs.latest(dev),
      now: d.clock.now(),
      run: (id) => d.runQueries.state(id),
      seen: (id) => d.db.prepare("SELECT 1 FROM team_inbox WHERE approval_id = ? AND state IN ('applied','refused')").pluck().get(id) !== undefined,
    });
    const s = sa.statement;
    if (!check.ok) {
      d.db.transaction(() => {
        this.done(p, 'refused', check.code, check.message);
        this.core.refuse(p.seq, 'approval', p.from_device, s?.cardId ?? null, check.code, check.message);
      })();
      return false;
    }
    try {
      await d.runs.decide(s.runId, {
        decision: s.decision,
        comment: s.comment,
        actor: { id: s.by.user, role: s.by.role, tenant: s.tenant },
        via: { device: s.by.device, certVersion: s.by.certVersion, approvalId: s.approvalId },
        expectCard: s.cardId,
        within: () => this.done(p, 'applied', null, null),
      });
      return true;
    } catch (e) {
      const code = e instanceof ApiError ? `APPROVAL_${e.code}` : 'APPROVAL_FAILED';
      d.db.transaction(() => {
        this.done(p, 'refused', code, (e as Error).message);
        this.core.refuse(p.seq, 'approval', p.from_device, s.cardId, code, (e as Error).message);
      })();
      return false;
    }
  }
}
