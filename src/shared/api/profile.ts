// profile.*: the local profile (first-run setup).
import { Type, type Static } from '@sinclair/typebox';
import { channel, empty, enumOf, isoTime, nullable, obj, str } from './channel';

export const roleSchema = enumOf(['field', 'reviewer', 'admin']);
export type Role = Static<typeof roleSchema>;

export const profileSchema = obj({ id: str(), name: str(), tenant: str(), role: roleSchema, deviceId: str(), createdAt: isoTime() });
export type Profile = Static<typeof profileSchema>;

export const profileChannels = {
  'profile.get': channel('The local profile, or null before first-run setup.', empty, obj({ profile: nullable(profileSchema) })),
  'profile.setup': channel(
    'First-run: create the local profile (role field until enrollment).',
    obj({
      name: Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' }),
      tenant: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9._-]*$' }),
    }),
    obj({ profile: profileSchema }),
  ),
};
