// sync.* and keys.* handlers (channels: src/shared/api/sync.ts, src/shared/api/keys.ts).
import type { HandlersFor } from '../../../shared/api/channel';
import type { keysChannels } from '../../../shared/api/keys';
import type { syncChannels } from '../../../shared/api/sync';
import type { transfersChannels } from '../../../shared/api/transfers';
import { ApiError } from '../../../shared/errors';
import type { AuditService } from '../../platform/audit/index';
import type { SecretStore } from '../../platform/keys/index';
import type { Logger } from '../../platform/util/logger';
import type { SyncEngine } from './engine';

export interface SyncApiDeps {
  sync: SyncEngine;
  secrets: () => Promise<SecretStore>;
  logger: Logger;
  audit: Pick<AuditService, 'append'>;
  /** Who acts: the local profile. */
  profile: { actor(): string };
  /** Team sync: an admin device makes a new tenant key version and wraps it for the active devices. */
  tenantKeys: { rotate(): Promise<{ tenant: string; version: number }> };
}

export function syncApi(d: SyncApiDeps): HandlersFor<typeof syncChannels & typeof keysChannels & typeof transfersChannels> {
  const { sync } = d;
  return {
    'sync.status': () => sync.status(),
    'sync.now': async () => {
      await sync.syncNow({ force: true });
      return sync.status();
    },
    'sync.enroll': async (input) => {
      await sync.enroll(input.serverUrl, input.token);
      // The first sync starts at once; its progress and outcome reach the UI as sync.status events.
      void sync.syncNow().catch((e: unknown) => d.logger.error('first sync failed', { code: 'SYNC_FAILED', err: (e as Error).message }));
      return sync.status();
    },
    'sync.rotateKey': async () => {
      const { tenant, version } = await d.tenantKeys.rotate();
      d.audit.append({ actor: d.profile.actor(), action: 'keys.rotated', subject: tenant, payload: { version } });
      return { tenant, version };
    },
    'transfers.list': () => ({ items: sync.transfers.list() }),
    'transfers.pause': (input) => sync.transfers.pause(input.hash),
    'transfers.resume': (input) => {
      sync.resumeUpload(input.hash);
      return sync.transfers.list().find((t) => t.hash === input.hash && t.direction === 'upload') ?? sync.transfers.resume(input.hash);
    },
    'attachments.fetch': (input) => sync.fetchAttachment(input.device, input.hash),
    'keys.unlock': async (input) => {
      const store = await d.secrets();
      if (store.kind !== 'vault') throw new ApiError('CONFLICT', 'This device uses the OS keychain; there is no vault to unlock', { reason: 'no_vault' });
      try {
        await store.unlock(input.passphrase);
      } catch (e) {
        // The vault's own errors are English sentences: the reason says which one it was.
        const text = (e as Error).message;
        const reason = input.passphrase.length < 8 ? 'too_short' : text === 'Wrong vault passphrase' ? 'wrong_passphrase' : 'unlock_failed';
        throw new ApiError('FORBIDDEN', text, reason === 'unlock_failed' ? { reason, error: text } : { reason });
      }
      return sync.status();
    },
  };
}
