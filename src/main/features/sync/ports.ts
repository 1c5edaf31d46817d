// What the sync engine needs from other features, described here so that their services satisfy it
// without sync importing them (team, in particular, imports sync's verify pool: no cycle).
import type { Readable } from 'node:stream';
import type { OutboxState, Profile, Role } from '../../../shared/api/types';
import type { SignedReceipt } from '../../../shared/sync/protocol';
import type { Message } from '../../../shared/messages';
import type { SignedCertificate } from '../../../shared/team/protocol';
import type { OutboxRow } from '../outbox/types';
import type { DeviceSigner } from '../../platform/device/credential';
import type { FetchFn } from '../../platform/device/signed-fetch';

export type { OutboxRow } from '../outbox/types';

/** The local profile (features/profile). */
export interface SyncProfilePort {
  require(): Profile;
  /** Called inside the enrollment transaction. */
  setRole(role: Role): void;
}

/** Sealed bytes of an outbox item, persisted once. */
export interface SealedItem {
  keyVersion: number;
  ciphertext: Buffer;
  iv: string;
  tag: string;
  contentHash: string;
  keyScope: 'device' | 'tenant';
  /** Blob ids the item needs stored on the server (attachments). */
  blobIds?: string[];
}

/** The outbox (features/outbox): what is due, and what became of each item. */
export interface SyncOutboxPort {
  counts(): Record<OutboxState, number>;
  /** `skip`: ids to leave out (the cap counts only the rows returned). */
  due(maxItems: number, skip?: ReadonlySet<string>): OutboxRow[];
  dueCount(): number;
  row(id: string): OutboxRow;
  /** False when the row was sealed already (its stored bytes stand). */
  saveSealed(id: string, s: SealedItem): boolean;
  /** The live attachment item of each file digest (one per digest: the same file uploads once). */
  attachmentRows(hashes: readonly string[]): OutboxRow[];
  markAcked(id: string, receipt: SignedReceipt): void;
  /** Why, as a message code (the outbox view says it in words; logs and audit keep the code). */
  markBlocked(id: string, requiredVersion: string | null, message: Message): void;
  markFailed(id: string, reason: Message, permanent?: boolean): OutboxState;
  noteError(id: string, reason: Message): void;
  settle(id: string, reason: Message): void;
  makeAllDue(): void;
}

/** Captured records and attachments (features/capture), sealed for the server. */
export interface SyncRecordsPort {
  /** `locale`: the language it was captured in (decision 0031); it travels in the sealed payload. */
  getRecord(id: string): { id: string; contract: string; data: string; created_at: string; locale?: string } | undefined;
}
/** The device's attachment files (features/capture's AttachmentStore): read streamed, stored streamed. */
export interface SyncAttachmentsPort {
  stat(hashHex: string): { size: number; mime: string; name: string } | null;
  /** Plaintext from `start` on. */
  openRead(hashHex: string, start?: number): Readable;
  /** Exactly `length` plaintext bytes from `start` (fewer only at the end), read in one go, as pieces in order. */
  readRange(hashHex: string, start: number, length: number): Promise<Buffer[]>;
  /** Stored whole or not at all; with expectedHash a digest mismatch stores nothing. */
  putStream(
    source: Readable,
    meta: { name: string; mime: string; nowIso: string },
    opts?: { expectedHash?: string; maxBytes?: number },
  ): Promise<{ hash: string; size: number; ref: string }>;
}

/** A data key: the tenant's (team sync) or this device's own. */
export interface SyncKeySource {
  current(tenant: string): Promise<{ version: number; key: Buffer } | null>;
  /** A given version (throws when this device lacks it). */
  get(tenant: string, version: number): Promise<Buffer>;
}

/** Team sync (features/team): certificates, tenant keys, shared items and approvals. */
export interface SyncTeamPort {
  acceptEnrollmentCertificate(sc: unknown, serverPublicKey: string, tenant: string, device: string): SignedCertificate;
  storeCert(sc: SignedCertificate): void;
  /** Before a run: certificate, encryption key, tenant keys and a pull. */
  prepare(): Promise<void>;
  /** After a clean run: tenant-key maintenance. */
  afterSync(): Promise<void>;
  /** null: not known yet. */
  tenantKeyOnServer(): boolean | null;
  plaintextOf(row: OutboxRow): Buffer;
  /** A pulled attachment manifest of another device (team_records), or null. */
  attachmentManifest(device: string, hashHex: string): Record<string, unknown> | null;
  noteApprovalResult(row: OutboxRow, accepted: boolean, error?: { code: string; message: string; details?: Record<string, unknown> }): void;
}

/** Contract versions this device holds (features/contracts). */
export interface SyncContractsPort {
  versions(): Record<string, string>;
}

/** A bundle source on the server, opaque to sync (features/bundles makes it, features/contracts reads it). */
export type ServerBundleReader = object;

/** Micro-contract updates the server announces (features/contracts). */
export interface SyncContractUpdatesPort {
  plan(server: Record<string, string>): { install: string[]; breaking: { name: string; server: string; local: string }[] };
  installFromServer(reader: ServerBundleReader, wanted: string[]): Promise<unknown>;
}

/** Makes the reader of the server's contracts bundle, requests signed as this device. */
export type ContractsReaderFactory = (serverUrl: string, signer: DeviceSigner, fetchFn: FetchFn) => ServerBundleReader;
