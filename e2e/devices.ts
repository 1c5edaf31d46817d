// In-process devices for e2e journeys that need other people (an admin handing out the tenant key,
// a second reviewer): the same createServices() the web host runs, enrolled with the sync server.
import { afterAll } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { createServices, type Services } from '../src/main/app/services';
import { unlockedVault } from '../src/main/platform/test-utils';
import type { Role } from '../src/server/storage/types';
import { enrollToken, freePort, type ServerProc } from '../test/integration/server-process';
import { enrollInUi, newDataDir } from './harness';

/** A fresh device of tenant `acme` for `name`, enrolled with `token` and synced once; added to `list` (closed by the caller). */
async function enrolledDevice(list: Services[], name: string, url: string, token: string): Promise<Services> {
  const dataDir = newDataDir();
  const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir) });
  s.profile.setup({ name, tenant: 'acme' });
  list.push(s);
  await s.sync.enroll(url, token);
  await s.sync.syncNow();
  return s;
}

/** A sync-server process (fresh data dir and port) and the people of tenant `acme` enrolled with it. */
export interface Team {
  server: ServerProc;
  /** A fresh in-process device for `name`, enrolled as `user` with `role` and synced once. */
  device(name: string, user: string, role: Role): Promise<Services>;
  /** Enrolls the web host behind `page` (its profile made) as `user` with `role`, through Settings. */
  enrollInUi(page: Page, nav: Locator, user: string, role: Role): Promise<void>;
}

/**
 * The team set-up of a test file: the returned function starts a server with `start` (the caller's,
 * which stops it) and gives its Team; the in-process devices are closed after the file's tests.
 */
export function teamSetup(start: (dir: string, port: number) => Promise<ServerProc>): () => Promise<Team> {
  const devices: Services[] = [];
  afterAll(() => devices.forEach((d) => d.close()));
  return async () => {
    const dir = newDataDir();
    const port = await freePort();
    const server = await start(dir, port);
    const token = (user: string, role: Role): string => enrollToken(dir, port, 'acme', user, role);
    return {
      server,
      device: (name, user, role) => enrolledDevice(devices, name, server.url, token(user, role)),
      enrollInUi: (page, nav, user, role) => enrollInUi(page, nav, server.url, token(user, role), user),
    };
  };
}

/** The admin device wraps the tenant key for every device enrolled so far; each of `others` then syncs to pick it up. */
export async function handOutKey(admin: Services, ...others: Services[]): Promise<void> {
  await admin.sync.syncNow();
  for (const d of others) await d.sync.syncNow();
}
