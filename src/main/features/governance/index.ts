import type { TrustedClock } from '../../platform/util/trusted-clock';
import type { GovernanceContractsPort, GovernanceOutboxPort, GovernanceProfilePort, GovernanceSyncPort } from './ports';
import type { HealthRegistry } from '../../platform/health';
import type { GovernanceStatus } from '../../../shared/api/types';
import { ApiError } from '../../../shared/errors';
import { evaluateRisk, formatDays, DAY_MS, REASON_BLOCKED, REASON_UPDATE_REQUIRED, type RiskAction } from '../../../shared/risk/index';
import { blockedMessage, UPDATE_REQUIRED_MESSAGE } from '../../../shared/risk/device-messages';
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
    // The calculator's generic sentences for the admin flags become what this user should do.
    if (server) {
      risk.reasons = risk.reasons.map((r) => (r === REASON_BLOCKED ? blockedMessage(server) : r === REASON_UPDATE_REQUIRED ? UPDATE_REQUIRED_MESSAGE : r));
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

  /** Refuse an action the device's state does not allow, saying why and what to do. */
  assertAllowed(action: RiskAction): void {
    if (action === 'capture' || action === 'read' || action === 'sync') return; // always: offline capture must never stop
    const st = this.status();
    if (st.server?.blocked && !st.risk.allowedActions.includes(action)) {
      // Syncing will not help here (the server refuses it); say who can.
      throw new ApiError('FORBIDDEN', `${blockedMessage(st.server)} Until it is unblocked you can capture, but not ${action}.`, {
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
      const todo = st.server?.updateRequired ? '' : ' Sync to bring it back.';
      throw new ApiError('FORBIDDEN', `This device's risk is ${st.risk.level}: ${action} is not allowed. ${st.risk.reasons.join(' ')}${todo}`, {
        reason: 'risk',
        level: st.risk.level,
        reasons: st.risk.reasons,
        allowedActions: st.risk.allowedActions,
      });
    }
    if (action === 'submit' && !st.freshForSubmit) {
      const last = st.lastSyncAt ? `last sync ${formatDays((Date.parse(st.now) - Date.parse(st.lastSyncAt)) / DAY_MS)} ago` : 'never synced';
      throw new ApiError(
        'FORBIDDEN',
        `Sync to submit: ${st.pendingCount} ${st.pendingCount === 1 ? 'item' : 'items'} pending, ${last}. A submission needs a sync within the last ${SUBMIT_FRESHNESS_HOURS} hours.`,
        {
          reason: 'stale_sync',
          lastSyncAt: st.lastSyncAt,
          pendingCount: st.pendingCount,
        },
      );
    }
  }

  registerHealth(health: HealthRegistry): void {
    health.register('governance.risk', () => {
      const st = this.status();
      const status = st.risk.level === 'low' ? 'ok' : st.risk.level === 'medium' ? 'warn' : 'error';
      return {
        service: 'governance',
        status,
        // The same sentences as the Outbox risk card and the admin board (shared/risk/device-state).
        summary: `Risk ${st.risk.level}: ${st.summary} ${st.allowedSentence}`,
        figures: { level: st.risk.level, allowedNow: st.allowedNow.join(', '), freshForSubmit: st.freshForSubmit, clockRolledBack: st.clockRolledBack },
      };
    });
  }
}
