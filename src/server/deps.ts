// What createApp(deps) is built from: routers take a narrow Pick<ServerDeps> of it.
import type { RateLimitOptions } from './auth/rate-limit';
import type { ContractRegistry } from './contracts';
import type { ServerKey } from './crypto/server-key';
import type { Lifecycle } from './lifecycle';
import type { Logger } from './logger';
import type { ServerMetrics } from './metrics';
import type { BlobStore } from './blobs/types';
import type { ServerStorage } from './storage/types';

export interface ServerDeps {
  storage: ServerStorage;
  version: string;
  clock: { now(): Date };
  logger: Logger;
  /** Epoch milliseconds on the same clock as `clock.now()`. */
  startedAt: number;
  serverKey: ServerKey;
  contracts: ContractRegistry;
  /** Body limit for every route but the sync batch. */
  maxBodyBytes?: number;
  /** Body limit for POST /v1/sync/batch. */
  maxSyncBodyBytes?: number;
  rateLimit?: RateLimitOptions;
  /** Directory of sealed bundles served read-only under /v1/bundles; absent: none are served. */
  bundlesDir?: string;
  /** Sealed attachment chunks (src/server/blobs); absent: attachments are refused as unavailable. */
  blobs?: BlobStore;
  /** Per-tenant attachment quota in plaintext bytes declared (MAESTRO_SERVER_ATTACHMENT_QUOTA_BYTES). */
  attachmentQuotaBytes?: number;
  /** Largest attachment this server takes (MAESTRO_SERVER_MAX_ATTACHMENT_BYTES; at most 256 MiB). */
  maxAttachmentBytes?: number;
  /** Prometheus metrics for GET /metrics; absent: createApp makes its own (without process metrics). */
  metrics?: ServerMetrics;
  /** MAESTRO_SERVER_METRICS_TOKEN: the bearer token GET /metrics requires; absent: loopback only. */
  metricsToken?: string;
  /** Shutdown state (serve.ts drives it on SIGTERM): /readyz, the drain middleware, long polls; absent: createApp makes one that never drains. */
  lifecycle?: Lifecycle;
}
