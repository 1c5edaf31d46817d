// keys.*: the device's key store (the passphrase vault where no OS keychain exists).
import { Type } from '@sinclair/typebox';
import { channel, obj } from './channel';
import { syncStatusSchema } from './sync';

export const keysChannels = {
  'keys.unlock': channel(
    'Unlock (or create) the passphrase vault where no OS keychain exists.',
    obj({ passphrase: Type.String({ minLength: 8, maxLength: 1024 }) }),
    syncStatusSchema,
  ),
};
