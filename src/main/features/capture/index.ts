// Drafts, records and their attachments: the door of src/main/features/capture. A submit writes the
// record, its audit entry and its outbox items in one transaction.
import { hash } from 'node:crypto';
import { prepared, type Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { AuditService } from '../../platform/audit/index';
import type { Draft } from '../../../shared/api/types';
import { ApiError } from '../../../shared/errors';
import { canonicalJson } from '../../../shared/canonical';
import { newUlid } from '../../platform/util/ulid';
import { AttachmentStore, attachmentRefs } from './attachment-store';
import { UploadSessions } from './uploads';
import { DEFAULT_RULE, attachmentsWithRules, ruleAt, type AttachmentRule } from '../../../shared/capture/attachment-rules';
import type { CaptureContractsPort, CaptureGuard, CaptureOutboxPort, CaptureProfilePort, StoredRecord } from './ports';

export { AttachmentStore } from './attachment-store';

interface DraftRow {
  id: string;
  contract: string;
  data: string;
  created_at: string;
  updated_at: string;
}
const toDraft = (r: DraftRow): Draft => ({
  id: r.id,
  contract: r.contract,
  data: JSON.parse(r.data) as unknown,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface CaptureService {
  attachments: AttachmentStore;
  /** Chunked ingest from the renderer (attachments.upload.*). */
  uploads: UploadSessions;
  /** The size cap and location rule of an attachment field (the default without a contract). */
  attachmentRule(contract?: string, field?: string): AttachmentRule;
  saveDraft(input: { id?: string; contract: string; data: unknown }): Draft;
  /** Newest edit first, at most `limit` (default and most: 500), after the `before` cursor. */
  listDrafts(page?: DraftPage): Draft[];
  getDraft(id: string): Draft;
  deleteDraft(id: string): void;
  /** Validate, then record + audit entry + outbox items in one transaction. `locale`: the language it was captured in (default en). */
  submit(input: { contract: string; data: unknown; draftId?: string; locale?: string }): { recordId: string; outboxId: string };
  listRecords(limit: number): RecordSummary[];
  /** A stored record, or undefined. */
  getRecord(id: string): StoredRecord | undefined;
}

export const MAX_DRAFTS_PAGE = 500;
export interface DraftPage {
  limit?: number;
  before?: { updatedAt: string; id: string };
}

/** A record in the records view: which contract, when, in which language, and its outbox state. */
export interface RecordSummary {
  id: string;
  contract: string;
  createdAt: string;
  locale: string;
  state: string | null;
}

export interface CaptureDeps {
  db: Db;
  clock: Clock;
  dataDir: string;
  /** Attachment files are encrypted under it (./at-rest-file.ts); absent: plaintext (legacy profiles). */
  atRestKey?: Buffer;
  audit: AuditService;
  profile: CaptureProfilePort;
  contracts: CaptureContractsPort;
  outbox: CaptureOutboxPort;
  /** Governance: refuses a submit-kind contract on a stale device. Absent: everything is allowed. */
  guard?: CaptureGuard;
}

class Capture implements CaptureService {
  readonly attachments: AttachmentStore;
  readonly uploads: UploadSessions;

  constructor(private readonly d: CaptureDeps) {
    this.attachments = new AttachmentStore(d.db, d.dataDir, d.atRestKey);
    this.uploads = new UploadSessions(this.attachments, d.dataDir, () => this.now());
  }

  attachmentRule(contract?: string, field?: string): AttachmentRule {
    if (!contract) return DEFAULT_RULE;
    return ruleAt(this.d.contracts.get(contract).doc.schema, field ?? '');
  }

  /** Attachments over their field's cap (x-maestro-max-bytes), as validation details. */
  private oversize(contract: string, data: unknown): { path: string; keyword: string; message: string }[] {
    return attachmentsWithRules(this.d.contracts.get(contract).doc.schema, data).flatMap(({ path, hash: h, rule }) => {
      const size = this.attachments.stat(h)?.size ?? 0;
      return size > rule.maxBytes
        ? [{ path, keyword: 'x-maestro-max-bytes', message: `attachment is ${size} bytes; this field takes at most ${rule.maxBytes}` }]
        : [];
    });
  }

  private now(): string {
    return this.d.clock.now().toISOString();
  }

  getDraft(id: string): Draft {
    const r = this.d.db.prepare('SELECT * FROM drafts WHERE id = ?').get(id) as DraftRow | undefined;
    if (!r) throw new ApiError('NOT_FOUND', `No draft ${id}`, { reason: 'draft' });
    return toDraft(r);
  }

  saveDraft(input: { id?: string; contract: string; data: unknown }): Draft {
    this.d.contracts.get(input.contract);
    const data = canonicalJson(input.data);
    const ts = this.now();
    if (input.id) {
      const res = this.d.db.prepare('UPDATE drafts SET data = ?, contract = ?, updated_at = ? WHERE id = ?').run(data, input.contract, ts, input.id);
      if (res.changes === 0) throw new ApiError('NOT_FOUND', `No draft ${input.id}`, { reason: 'draft' });
      return this.getDraft(input.id);
    }
    const id = newUlid();
    this.d.db.prepare('INSERT INTO drafts (id, contract, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, input.contract, data, ts, ts);
    return this.getDraft(id);
  }

  listDrafts(page: DraftPage = {}): Draft[] {
    // A page, never the table: keyset on (updated_at, id), as the other lists page.
    const rows = this.d.db
      .prepare(
        `SELECT * FROM drafts WHERE (:u IS NULL OR updated_at < :u OR (updated_at = :u AND id < :id))
         ORDER BY updated_at DESC, id DESC LIMIT :limit`,
      )
      .all({ u: page.before?.updatedAt ?? null, id: page.before?.id ?? null, limit: page.limit ?? MAX_DRAFTS_PAGE }) as DraftRow[];
    return rows.map(toDraft);
  }

  deleteDraft(id: string): void {
    if (this.d.db.prepare('DELETE FROM drafts WHERE id = ?').run(id).changes === 0) throw new ApiError('NOT_FOUND', `No draft ${id}`, { reason: 'draft' });
  }

  submit(input: { contract: string; data: unknown; draftId?: string; locale?: string }): { recordId: string; outboxId: string } {
    const { db, outbox } = this.d;
    const profile = this.d.profile.require();
    // The contract's kind is the governed action: capture is always allowed, a submit needs a fresh sync.
    this.d.guard?.(this.d.contracts.get(input.contract).doc.kind);
    this.d.contracts.validate(input.contract, input.data);
    const refs = [...attachmentRefs(input.data)];
    const missing = refs.filter((h) => !this.attachments.has(h));
    if (missing.length)
      throw new ApiError(
        'VALIDATION_ERROR',
        'Attachments referenced but not stored on this device',
        missing.map((h) => ({ path: '/', keyword: 'attachment', message: `sha256:${h} missing` })),
      );
    const oversize = this.oversize(input.contract, input.data);
    if (oversize.length) throw new ApiError('VALIDATION_ERROR', 'Attachments larger than their field allows', oversize);
    if (input.draftId) this.getDraft(input.draftId);
    const data = canonicalJson(input.data);
    // One transaction: the outbox's writes nest inside it (better-sqlite3 savepoints).
    return db.transaction(() => {
      const recordId = newUlid();
      const ts = this.now();
      const entry = this.d.audit.append({
        actor: `user:${profile.id}`,
        action: 'record.captured',
        subject: recordId,
        // The log keeps a digest, not the captured content (which may carry PII).
        payload: { contract: input.contract, dataSha256: hash('sha256', data, 'hex'), attachments: refs.length },
      });
      db.prepare('INSERT INTO records (id, contract, data, created_at, audit_seq, locale) VALUES (?, ?, ?, ?, ?, ?)').run(
        recordId,
        input.contract,
        data,
        ts,
        entry.seq,
        input.locale ?? 'en',
      );
      for (const h of refs) outbox.enqueueAttachment(h, input.contract, profile, ts);
      const outboxId = outbox.enqueueRecord(recordId, input.contract, profile, ts);
      if (input.draftId) db.prepare('DELETE FROM drafts WHERE id = ?').run(input.draftId);
      return { recordId, outboxId };
    })();
  }

  listRecords(limit: number): RecordSummary[] {
    const rows = this.d.db.prepare('SELECT id, contract, created_at AS createdAt, locale FROM records ORDER BY id DESC LIMIT ?').all(limit) as Omit<
      RecordSummary,
      'state'
    >[];
    const states = this.d.outbox.recordStates(rows.map((r) => r.id));
    return rows.map((r) => ({ ...r, state: states.get(r.id) ?? null }));
  }

  getRecord(id: string): StoredRecord | undefined {
    return prepared(this.d.db, 'SELECT id, contract, data, created_at, locale FROM records WHERE id = ?').get(id) as StoredRecord | undefined;
  }
}

export function createCaptureService(deps: CaptureDeps): CaptureService {
  return new Capture(deps);
}
