// What createServices (./services.ts) is built from.
import { fileURLToPath } from 'node:url';
import { findResourcesDir } from '../platform/paths';
import type { Clock } from '../platform/util/clock';
import type { Logger } from '../platform/util/logger';
import type { SecretStore } from '../platform/keys/index';
import type { FetchFn } from '../platform/device/signed-fetch';

export const DB_FILE = 'maestro.db';

/** Bundled resources: the nearest `resources/` above this module (src/main/app under tsx, out/main when built). */
export const DEFAULT_RESOURCES_DIR = findResourcesDir(fileURLToPath(new URL('.', import.meta.url)));

export interface ServiceDeps {
  dataDir: string;
  host: 'electron' | 'web';
  clock?: Clock;
  logger?: Logger;
  /** Override the database path (tests use ':memory:'). */
  dbPath?: string;
  resourcesDir?: string;
  /** Where secrets live; default: OS keychain if it answers, else the passphrase vault. */
  secrets?: SecretStore | Promise<SecretStore>;
  fetch?: FetchFn;
  random?: () => number;
  /**
   * Where this device processes data, the residency of its tenant's data and the sync server's
   * region, for the policy's residency rules. Default: MAESTRO_REGION (else 'device': data stays on
   * this device), MAESTRO_RESIDENCY (else 'eu'), MAESTRO_SERVER_REGION (else 'eu-north-1').
   */
  locality?: { region?: string; residency?: string; serverRegion?: string };
  /** The pinned trust root; default <resourcesDir>/trust/root.json. */
  trustRootPath?: string;
  /** How often installed bundles are fully re-hashed (default 24 h). */
  reverifyEveryHours?: number;
  /** Folder of model (and other) bundles installed at start: MAESTRO_MODELS_DIR, else <resources>/../models. */
  modelsDir?: string;
  /** 256-bit at-rest key (OS keychain / vault). Attachment files are sealed under it; absent: legacy plaintext files. */
  atRestKey?: Buffer;
}
