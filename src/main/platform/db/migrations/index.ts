import type { Migration } from '../../../../platform/migrations';
import { m001AuditLog } from './001-audit-log';
import { m002Profile } from './002-profile';
import { m003CaptureOutbox } from './003-capture-outbox';
import { m004Governance } from './004-governance';
import { m005ServerDeviceStatus } from './005-server-device-status';
import { m006RunsCards } from './006-runs-cards';
import { m007Bundles } from './007-bundles';
import { m008Memory } from './008-memory';
import { m009AuditMerkle } from './009-audit-merkle';
import { m010Artifacts } from './010-artifacts';
import { m011TeamSync } from './011-team-sync';
import { m012AttachmentBlobs } from './012-attachment-blobs';
import { m013TransferPauses } from './013-transfer-pauses';
import { m014DecisionContext } from './014-decision-context';
import { m015ArtifactSignatures } from './015-artifact-signatures';
import { m016RecordLocale } from './016-record-locale';
import { m017ServerKeys } from './017-server-keys';
import { m018MemoryIndexTail } from './018-memory-index-tail';
import { m019OutboxStateCounts } from './019-outbox-state-counts';
import { m020MemoryTierStats } from './020-memory-tier-stats';
import { m021MemoryFtsTail } from './021-memory-fts-tail';

export type { Migration };

/** Ordered, append-only SQL (src/platform/migrations.ts). Never edit a shipped migration: add the next number. */
export const migrations: Migration[] = [
  m001AuditLog,
  m002Profile,
  m003CaptureOutbox,
  m004Governance,
  m005ServerDeviceStatus,
  m006RunsCards,
  m007Bundles,
  m008Memory,
  m009AuditMerkle,
  m010Artifacts,
  m011TeamSync,
  m012AttachmentBlobs,
  m013TransferPauses,
  m014DecisionContext,
  m015ArtifactSignatures,
  m016RecordLocale,
  m017ServerKeys,
  m018MemoryIndexTail,
  m019OutboxStateCounts,
  m020MemoryTierStats,
  m021MemoryFtsTail,
];
export const LATEST_SCHEMA_VERSION = migrations.length;
