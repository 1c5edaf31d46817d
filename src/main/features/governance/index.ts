import type { TrustedClock } from '../../platform/util/trusted-clock';
import type { GovernanceContractsPort, GovernanceOutboxPort, GovernanceProfilePort, GovernanceSyncPort } from './ports';
import type { HealthRegistry } from '../../platform/health';
import type { GovernanceStatus } from '../../../shared/api/types';
import { ApiError } from '../../../shared/errors';
import { evaluateRisk, roundDays, DAY_MS, REASON_BLOCKED, REASON_UPDATE_REQUIRED, type RiskAction } from '../../../shared/risk/index';
import { blockedMessage, UPDATE_REQUIRED_MESSAGE } from '../../../shared/risk/device-messages';
import { messageForLog, msg, type Message } from '../../../shared/messages';
import { deviceState } from '../../../shared/risk/device-state';
import { APP_VERSION } from '../../platform/version';

/** Offline capture, online submit: a submission needs a successful sync this recent (policy, default 24 h). */
export const SUBMIT_FRESHNESS_HOURS = 24;

/**
 * The device judges its own risk from local state, with the same calculator the server and the UI
 * use, and refuses what the level does not allow. Time comes from the TrustedClock, so rolling the
 * laptop's clock back cannot make a stale device look fresh.
 */
export class Governance {
  constructor(
    private readonly d: {
      contracts: GovernanceContractsPort;
      outbox: GovernanceOutboxPort;
      profile: GovernanceProfilePort;
      trustedClock: Pick<TrustedClock, 'now' | 'rolledBack'>;
      sync: GovernanceSyncPort;
    },
  ) {}

  status(): GovernanceStatus {
    const cfg = this.d.sync.config();
    const counts = this.d.outbox.counts();
    const now = this.d.trustedClock.now();
    const profile = this.d.profile.get();
    // The server's last word (blocked, update required) counts locally too, offline included: the
    // device refuses what the board would refuse until a later sync reply lifts it.
    const server = this.d.sync.serverStatus();
    const risk = evaluateRisk({
      now: now.toISOString(),
      lastSyncAt: cfg?.lastSyncAt ?? null,
      // A device that has never synced is judged from when it was enrolled (or set up).
      enrolledAt: cfg?.enrolledAt ?? profile?.createdAt ?? null,
      contractVersions: this.d.contracts.versions(),
      latestContracts: cfg?.contracts ?? {},
      pendingCount: counts.queued,
      deadLetterCount: counts.dead,
      appVersion: APP_VERSION,
      blocked: server?.blocked ?? false,
      updateRequired: server?.updateRequired ?? false,
    });
    // The calculator's generic reasons for the admin flags become what this user should do.
    if (server) {
      risk.reasons = risk.reasons.map((r) =>
        r.code === REASON_BLOCKED.code ? blockedMessage(server) : r.code === REASON_UPDATE_REQUIRED.code ? UPDATE_REQUIRED_MESSAGE : r,
      );
    }
    // Enrollment, sync, the server's flags and freshness in words: the same function the admin board uses.
    const state = deviceState({
      now: now.toISOString(),
      enrolled: cfg !== null,
      lastSyncAt: cfg?.lastSyncAt ?? null,
      risk,
      pendingCount: counts.queued,
      blocked: server?.blocked ?? false,
      submitFreshnessHours: SUBMIT_FRESHNESS_HOURS,
    });
    const freshForSubmit = state.freshForSubmit;
    return {
      allowedNow: state.allowed,
      allowedSentence: state.allowedSentence,
      summary: state.summary,
      risk,
      now: now.toISOString(),
      clockRolledBack: this.d.trustedClock.rolledBack(),
      lastSyncAt: cfg?.lastSyncAt ?? null,
      submitFreshnessHours: SUBMIT_FRESHNESS_HOURS,
      freshForSubmit,
      pendingCount: counts.queued,
      server,
    };
  }

  /**
   * Refuse an action the device's state does not allow, saying why and what to do: `details.messages`
   * is the refusal as messages (`risk.refused.*` and the risk reasons), `details.reasons` the risk
   * reasons; the error's message is their log form (codes and params, no English).
   */
  assertAllowed(action: RiskAction): void {
    if (action === 'capture' || action === 'read' || action === 'sync') return; // always: offline capture must never stop
    const st = this.status();
    if (st.server?.blocked && !st.risk.allowedActions.includes(action)) {
      // Syncing will not help here (the server refuses it); say who can.
      refuse(action, [blockedMessage(st.server), msg('risk.refused.blocked', { action })], {
        reason: 'device_blocked',
        blockedAt: st.server.blockedAt,
        blockedReason: st.server.blockedReason,
        level: st.risk.level,
        reasons: st.risk.reasons,
        allowedActions: st.risk.allowedActions,
      });
    }
    if (!st.risk.allowedActions.includes(action)) {
      // An update requirement is lifted by updating (its reason says so), not by syncing alone.
      const todo = st.server?.updateRequired ? [] : [msg('risk.refused.sync_to_restore')];
      refuse(action, [msg('risk.refused.risk', { level: st.risk.level, action }), ...st.risk.reasons, ...todo], {
        reason: 'risk',
        level: st.risk.level,
        reasons: st.risk.reasons,
        allowedActions: st.risk.allowedActions,
      });
    }
    if (action === 'submit' && !st.freshForSubmit) {
      const hours = SUBMIT_FRESHNESS_HOURS;
      const stale = st.lastSyncAt
        ? msg('risk.refused.stale', { count: st.pendingCount, days: roundDays((Date.parse(st.now) - Date.parse(st.lastSyncAt)) / DAY_MS), hours })
        : msg('risk.refused.stale_never', { count: st.pendingCount, hours });
      refuse(action, [stale], { reason: 'stale_sync', lastSyncAt: st.lastSyncAt, pendingCount: st.pendingCount });
    }
  }

  registerHealth(health: HealthRegistry): void {
    health.register('governance.risk', () => {
      const st = this.status();
      const status = st.risk.level === 'low' ? 'ok' : st.risk.level === 'medium' ? 'warn' : 'error';
      // The same messages as the Outbox risk card and the admin board (shared/risk/device-state).
      const messages = [msg('risk.health.level', { level: st.risk.level }), ...st.summary, ...st.allowedSentence];
      return {
        service: 'governance',
        status,
        summary: messages.map(messageForLog).join(' '),
        messages,
        figures: { level: st.risk.level, allowedNow: st.allowedNow.join(', '), freshForSubmit: st.freshForSubmit, clockRolledBack: st.clockRolledBack },
      };
    });
  }
}

/** The refusal: FORBIDDEN with the messages in its details and their log form as its message. */
function refuse(action: RiskAction, messages: Message[], details: Record<string, unknown>): never {
  throw new ApiError('FORBIDDEN', `${action} refused: ${messages.map(messageForLog).join(' ')}`, { ...details, action, messages });
}
