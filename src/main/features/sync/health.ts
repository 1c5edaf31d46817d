import type { HealthRegistry } from '../../platform/health';
import type { OutboxState } from '../../../shared/api/types';
import type { SyncConfig } from '../../platform/device/sync-config';

export function registerSyncHealth(health: HealthRegistry, outbox: { counts(): Record<OutboxState, number> }, sync: { config(): SyncConfig | null }): void {
  health.register('sync.queue', () => {
    const c = outbox.counts();
    const cfg = sync.config();
    const figures = { queued: c.queued, acked: c.acked, deadLetters: c.dead, blocked: c.blocked, enrolled: cfg !== null, lastSyncAt: cfg?.lastSyncAt ?? null };
    if (c.dead > 0 || c.blocked > 0) {
      return {
        service: 'sync',
        status: 'warn',
        summary: `${c.dead} dead-lettered and ${c.blocked} blocked item(s) need a decision in the Outbox view.`,
        figures,
      };
    }
    if (!cfg)
      return {
        service: 'sync',
        status: c.queued > 0 ? 'warn' : 'ok',
        summary: `Not enrolled: ${c.queued} item(s) wait in the outbox until this device is enrolled.`,
        figures,
      };
    return { service: 'sync', status: 'ok', summary: `${c.queued} item(s) queued; last sync ${cfg.lastSyncAt ?? 'never'}.`, figures };
  });
}
