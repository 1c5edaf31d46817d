// What createServices (./services.ts) is built from.
import { fileURLToPath } from 'node:url';
import { findResourcesDir } from '../platform/paths';
import type { Clock } from '../platform/util/clock';
import type { Logger } from '../platform/util/logger';
import type { SecretStore } from '../platform/keys/index';
import type { FetchFn } from '../platform/device/signed-fetch';
import type { AtRestProgress } from '../platform/db/cipher';

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
  /**
   * The at-rest key (32 bytes, platform/keys/at-rest.ts loadAtRestKey): the device database is
   * SQLCipher-encrypted under it (a plaintext profile is encrypted in place at start) and attachment
   * files are encrypted with it. Every app entry point passes it; left out, the database is plaintext
   * (benchmarks' references) and a warning is logged.
   */
  atRestKey?: Buffer;
  /** Progress of the in-place encryption of a plaintext profile (the start screen shows it). */
  onAtRestProgress?: (p: AtRestProgress) => void;
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
  /**
   * Development mode (docs/decisions/0026): install the development policy bundle
   * (<resources>/bundles-dev/maestro.policy-dev) and apply it, so the random-weight test models may
   * run; every decision then carries `<policy version>+dev`. Default: devPolicyFromEnv(process.env).
   * Off, the shipped policy applies as written, even where an earlier start installed the bundle.
   */
  devPolicy?: boolean;
}

/** The name of the development policy bundle (resources/policy-dev, sealed into resources/bundles-dev). */
export const DEV_POLICY_BUNDLE = 'maestro.policy-dev';

/** MAESTRO_DEV_POLICY=1 (set by npm run demo and the tests that run the test models) asks for development mode. */
export const devPolicyFromEnv = (env: Record<string, string | undefined>): boolean => env.MAESTRO_DEV_POLICY === '1';
