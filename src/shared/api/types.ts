// TypeScript types of every channel's request and response. The JSON Schemas in ./schemas.ts are
// their runtime twins; the dispatcher validates every request and response against them.
import type { AuditEntryBody } from '../audit-hash';

export type Role = 'field' | 'reviewer' | 'admin';

export interface Profile {
  id: string;
  name: string;
  tenant: string;
  role: Role;
  deviceId: string;
  createdAt: string;
}

/** A stored entry: the hashed body plus its hash. */
export interface AuditEntry extends AuditEntryBody {
  hash: string;
}

export type AuditBreakReason = 'payload_altered' | 'link_broken' | 'seq_gap' | 'truncated_tail' | 'malformed_row';

export interface AuditHead {
  seq: number;
  hash: string;
}

export interface AuditVerifyResult {
  valid: boolean;
  checked: number;
  head: AuditHead | null;
  firstBad: { seq: number; reason: AuditBreakReason; message: string } | null;
  verifiedAt: string;
  durationMs: number;
}

export type CheckStatus = 'ok' | 'warn' | 'error';

export interface HealthCheck {
  id: string;
  service: string;
  status: CheckStatus;
  summary: string;
  figures: Record<string, number | string | boolean | null>;
}

export interface HealthReport {
  status: CheckStatus;
  checkedAt: string;
  checks: HealthCheck[];
}

export interface SystemInfo {
  version: string;
  host: 'electron' | 'web';
  dataDir: string;
  platform: string;
  schemaVersion: number;
}

export type Empty = Record<string, never>;

export interface Channels {
  'system.info': { req: Empty; res: SystemInfo };
  'system.health': { req: Empty; res: HealthReport };
  'profile.get': { req: Empty; res: { profile: Profile | null } };
  'profile.setup': { req: { name: string; tenant: string }; res: { profile: Profile } };
  'audit.append': { req: { note: string; subject?: string }; res: { entry: AuditEntry } };
  'audit.list': {
    req: {
      limit?: number;
      beforeSeq?: number;
      action?: string;
      actor?: string;
      fromTs?: string;
      toTs?: string;
    };
    res: { entries: AuditEntry[]; total: number; nextBeforeSeq: number | null };
  };
  'audit.get': { req: { seq: number }; res: { entry: AuditEntry } };
  'audit.facets': { req: Empty; res: { actions: string[]; actors: string[] } };
  'audit.verify': { req: { knownHead?: AuditHead }; res: AuditVerifyResult };
}

export type ChannelName = keyof Channels;
export type Req<K extends ChannelName> = Channels[K]['req'];
export type Res<K extends ChannelName> = Channels[K]['res'];

export interface Events {
  'audit.appended': { seq: number; hash: string; action: string };
  'audit.verified': AuditVerifyResult;
  'audit.verify.progress': { checked: number; total: number };
}
export type EventName = keyof Events;
