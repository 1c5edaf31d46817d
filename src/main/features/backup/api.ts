// backup.* handlers (channels: src/shared/api/backup.ts).
import type { backupChannels } from '../../../shared/api/backup';
import type { HandlersFor } from '../../../shared/api/channel';
import type { EventBus } from '../../platform/events';
import type { BackupService } from './index';

export interface BackupApiDeps {
  backup: BackupService;
  events: EventBus;
  /** Who acts: the local profile. */
  profile: { actor(): string };
}

export function backupApi({ backup, events, profile }: BackupApiDeps): HandlersFor<typeof backupChannels> {
  const progress = (opId: string, phase: 'backup' | 'restore') => (done: number, total: number) => events.emit('backup.progress', { opId, phase, done, total });
  return {
    'backup.create': async (input) => {
      const opId = input.opId ?? `backup-${Date.now()}`;
      const r = await backup.create(input.passphrase, profile.actor(), progress(opId, 'backup'));
      events.emit('backup.progress', { opId, phase: 'done', done: r.bytes, total: r.bytes });
      return r;
    },
    'backup.restore': async (input) => {
      const opId = input.opId ?? `restore-${Date.now()}`;
      const r = await backup.restore(input.path, input.passphrase, progress(opId, 'restore'));
      events.emit('backup.progress', { opId, phase: 'done', done: 1, total: 1 });
      return { restartRequired: true as const, summary: r.summary };
    },
  };
}
