import { join } from 'node:path';
import { openDatabase, schemaVersion, type Db } from './db/connection';
import { registerDbHealth } from './db/health';
import { createAuditService, type AuditService } from './audit/index';
import { createProfileService, type ProfileService } from './profile/index';
import { createHealthRegistry, type HealthRegistry } from './health/index';
import { createEventBus, type EventBus } from './events';
import { systemClock, type Clock } from './util/clock';
import { silentLogger, type Logger } from './util/logger';
import { APP_VERSION } from './version';

export interface ServiceDeps {
  dataDir: string;
  host: 'electron' | 'web';
  clock?: Clock;
  logger?: Logger;
  /** Override the database path (tests use ':memory:'). */
  dbPath?: string;
}

export interface Services {
  db: Db;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  health: HealthRegistry;
  audit: AuditService;
  profile: ProfileService;
  info: { version: string; host: 'electron' | 'web'; dataDir: string; platform: string; schemaVersion: number };
  close(): void;
}

export const DB_FILE = 'maestro.db';

/** Wire every main-process service. Plain Node: the Electron entry and the web host both call this. */
export function createServices(deps: ServiceDeps): Services {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const db = openDatabase(deps.dbPath ?? join(deps.dataDir, DB_FILE));
  const events = createEventBus();
  const health = createHealthRegistry();
  registerDbHealth(db, health);
  const audit = createAuditService({ db, clock, events, health });
  const profile = createProfileService({ db, clock, audit });
  return {
    db,
    clock,
    logger,
    events,
    health,
    audit,
    profile,
    info: { version: APP_VERSION, host: deps.host, dataDir: deps.dataDir, platform: process.platform, schemaVersion: schemaVersion(db) },
    close() {
      db.close();
    },
  };
}
