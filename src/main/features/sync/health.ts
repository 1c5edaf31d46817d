import type { HealthRegistry } from '../../platform/health';
import { msg } from '../../../shared/messages';
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
        summary: `${n(c.dead, 'item')} could not be delivered and ${n(c.blocked, 'item')} ${c.blocked === 1 ? 'is' : 'are'} held: open the Outbox to decide what to do with them.`,
        messages: [msg('health.check.sync.queue.held', { dead: c.dead, blocked: c.blocked })],
        figures,
      };
    }
    if (!cfg)
      return {
        service: 'sync',
        status: c.queued > 0 ? 'warn' : 'ok',
        summary: `Not enrolled: ${n(c.queued, 'item')} ${c.queued === 1 ? 'waits' : 'wait'} in the outbox until this device is enrolled.`,
        messages: [msg('health.check.sync.queue.not_enrolled', { count: c.queued })],
        figures,
      };
    return {
      service: 'sync',
      status: 'ok',
      summary: `${n(c.queued, 'item')} queued; ${cfg.lastSyncAt ? `last sync ${new Date(cfg.lastSyncAt).toLocaleString('en')}` : 'never synced'}.`,
      // The time as a number: the view writes it in the reader's language and time zone.
      messages: [
        cfg.lastSyncAt
          ? msg('health.check.sync.queue.queued', { count: c.queued, at: Date.parse(cfg.lastSyncAt) })
          : msg('health.check.sync.queue.queued_never', { count: c.queued }),
      ],
      figures,
    };
  });
}

const n = (count: number, one: string): string => `${count} ${count === 1 ? one : `${one}s`}`;
