// Team sync in integration tests: devices (each a full service graph on its own data dir, vault
// unlocked) enrolled against one real server process with a role, and the admin device that creates
// the tenant key and wraps it for the others (docs/security.md).
import { createServices, type Services } from '../../src/main/app/services';
import { tempDir, unlockedVault } from '../../src/main/platform/test-utils';
import { enrollToken, freePort, startServer, type ServerProc } from './server-process';

export interface TeamServer {
  srv: ServerProc;
  dir: string;
  port: number;
  token(user: string, role?: 'field' | 'reviewer' | 'admin', tenant?: string): string;
}

export async function teamServer(env: NodeJS.ProcessEnv = {}): Promise<TeamServer> {
  const dir = tempDir('maestro-srv-');
  const port = await freePort();
  const srv = await startServer(dir, port, env);
  return { srv, dir, port, token: (user, role = 'field', tenant = 'acme') => enrollToken(dir, port, tenant, user, role) };
}

export async function teamDevice(name: string, tenant = 'acme', dataDir = tempDir('maestro-dev-')): Promise<Services> {
  const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir) });
  if (!s.profile.get()) s.profile.setup({ name, tenant });
  return s;
}

/** Enroll with a role; an admin's first sync creates tenant key version 1. */
export async function enrolled(t: TeamServer, name: string, user: string, role: 'field' | 'reviewer' | 'admin', dataDir?: string): Promise<Services> {
  const s = await teamDevice(name, 'acme', dataDir);
  await s.sync.enroll(t.srv.url, t.token(user, role));
  await s.sync.syncNow();
  return s;
}

/** An admin device syncs: wraps the tenant key(s) for every device that lacks them. */
export async function handOutKeys(admin: Services): Promise<void> {
  await admin.sync.syncNow();
}
