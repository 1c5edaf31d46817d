// updates.*: app updates from a verified app-update bundle (src/main/features/updates).
import { Type } from '@sinclair/typebox';
import type { UpdateStatus } from '../bundles/types';
import { updateStatusSchema } from '../bundles/schemas';
import { channel, empty, foreign, obj } from './channel';

const updateStatus = foreign<UpdateStatus>(updateStatusSchema);

export const updatesChannels = {
  'updates.status': channel('Whether a verified app-update bundle offers a newer version.', empty, updateStatus),
  'updates.install': channel(
    'Download and install the verified update (Electron only; the web host only shows that it exists).',
    obj({ confirm: Type.Literal(true) }),
    updateStatus,
  ),
};
