import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { Profile } from '../../../shared/api/types';
import { ApiError } from '../../../shared/errors';
import { newId } from '../../platform/util/ids';
import type { AuditService } from '../../platform/audit/index';

interface Row {
  id: string;
  name: string;
  tenant: string;
  role: Profile['role'];
  device_id: string;
  created_at: string;
}

export interface ProfileService {
  get(): Profile | null;
  /** The profile or FORBIDDEN: actions that need an actor cannot run before first-run setup. */
  require(): Profile;
  setup(input: { name: string; tenant: string }): Profile;
  actor(): string;
  /** The role enrollment gave this device's user (call inside the enrollment transaction). */
  setRole(role: Profile['role']): void;
}

export function createProfileService(deps: { db: Db; clock: Clock; audit: AuditService }): ProfileService {
  const getStmt = deps.db.prepare('SELECT * FROM profile WHERE singleton = 1');
  const insertStmt = deps.db.prepare('INSERT INTO profile (singleton, id, name, tenant, role, device_id, created_at) VALUES (1, ?, ?, ?, ?, ?, ?)');
  const setRoleStmt = deps.db.prepare('UPDATE profile SET role = ? WHERE singleton = 1');
  const get = (): Profile | null => {
    const r = getStmt.get() as Row | undefined;
    return r ? { id: r.id, name: r.name, tenant: r.tenant, role: r.role, deviceId: r.device_id, createdAt: r.created_at } : null;
  };
  const require = (): Profile => {
    const p = get();
    if (!p) throw new ApiError('FORBIDDEN', 'Set up the local profile first', { reason: 'no_profile' });
    return p;
  };
  return {
    get,
    require,
    actor: () => `user:${require().id}`,
    setRole: (role) => void setRoleStmt.run(role),
    setup(input) {
      return deps.db.transaction(() => {
        if (get()) throw new ApiError('CONFLICT', 'The local profile already exists', { reason: 'profile_exists' });
        const p: Profile = {
          id: newId('prof'),
          name: input.name.trim(),
          tenant: input.tenant,
          // Roles arrive with device enrollment; until then every local profile is a field user.
          role: 'field',
          deviceId: newId('dev'),
          createdAt: deps.clock.now().toISOString(),
        };
        insertStmt.run(p.id, p.name, p.tenant, p.role, p.deviceId, p.createdAt);
        deps.audit.append({ actor: `user:${p.id}`, action: 'profile.created', subject: p.deviceId, payload: { name: p.name, tenant: p.tenant, role: p.role } });
        return p;
      })();
    },
  };
}
