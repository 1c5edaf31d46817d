import { hash } from 'node:crypto';
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { AuditService } from '../../platform/audit/index';
import type { ProfileService } from '../profile/index';
import type { ContractRegistry } from '../contracts/contract-loader';
import type { Outbox } from '../outbox/index';
import type { Draft } from '../../../shared/api/types';
import { ApiError } from '../../../shared/errors';
import { canonicalJson } from '../../../shared/canonical';
import { newUlid } from '../../platform/util/ulid';
import { AttachmentStore, attachmentRefs } from './attachment-store';

export { AttachmentStore, MAX_ATTACHMENT_BYTES } from './attachment-store';

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
  saveDraft(input: { id?: string; contract: string; data: unknown }): Draft;
  listDrafts(): Draft[];
  getDraft(id: string): Draft;
  deleteDraft(id: string): void;
  /** Validate, then record + audit entry + outbox items in one transaction. */
  submit(input: { contract: string; data: unknown; draftId?: string }): { recordId: string; outboxId: string };
  listRecords(limit: number): { id: string; contract: string; createdAt: string; state: string | null }[];
  /** Governance hook: refuses a submit-kind contract on a stale device (set by services). */
  setGuard(guard: (action: 'capture' | 'draft' | 'submit') => void): void;
}

export function createCaptureService(deps: {
  db: Db;
  clock: Clock;
  dataDir: string;
  audit: AuditService;
  profile: ProfileService;
  contracts: ContractRegistry;
  outbox: Outbox;
}): CaptureService {
  const { db } = deps;
  const attachments = new AttachmentStore(db, deps.dataDir);
  const now = () => deps.clock.now().toISOString();
  let guard: (action: 'capture' | 'draft' | 'submit') => void = () => {};

  const getDraft = (id: string): Draft => {
    const r = db.prepare('SELECT * FROM drafts WHERE id = ?').get(id) as DraftRow | undefined;
    if (!r) throw new ApiError('NOT_FOUND', `No draft ${id}`);
    return toDraft(r);
  };

  return {
    attachments,
    saveDraft(input) {
      deps.contracts.get(input.contract);
      const data = canonicalJson(input.data);
      const ts = now();
      if (input.id) {
        const res = db.prepare('UPDATE drafts SET data = ?, contract = ?, updated_at = ? WHERE id = ?').run(data, input.contract, ts, input.id);
        if (res.changes === 0) throw new ApiError('NOT_FOUND', `No draft ${input.id}`);
        return getDraft(input.id);
      }
      const id = newUlid();
      db.prepare('INSERT INTO drafts (id, contract, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, input.contract, data, ts, ts);
      return getDraft(id);
    },
    listDrafts: () => (db.prepare('SELECT * FROM drafts ORDER BY updated_at DESC').all() as DraftRow[]).map(toDraft),
    getDraft,
    deleteDraft(id) {
      if (db.prepare('DELETE FROM drafts WHERE id = ?').run(id).changes === 0) throw new ApiError('NOT_FOUND', `No draft ${id}`);
    },
    setGuard(g) {
      guard = g;
    },
    submit(input) {
      const profile = deps.profile.require();
      // The contract's kind is the governed action: capture is always allowed, a submit needs a fresh sync.
      guard(deps.contracts.get(input.contract).doc.kind);
      deps.contracts.validate(input.contract, input.data);
      const refs = [...attachmentRefs(input.data)];
      const missing = refs.filter((h) => !attachments.has(h));
      if (missing.length)
        throw new ApiError(
          'VALIDATION_ERROR',
          'Attachments referenced but not stored on this device',
          missing.map((h) => ({ path: '/', keyword: 'attachment', message: `sha256:${h} missing` })),
        );
      if (input.draftId) getDraft(input.draftId);
      const data = canonicalJson(input.data);
      return db.transaction(() => {
        const recordId = newUlid();
        const ts = now();
        const entry = deps.audit.append({
          actor: `user:${profile.id}`,
          action: 'record.captured',
          subject: recordId,
          // The log keeps a digest, not the captured content (which may carry PII).
          payload: { contract: input.contract, dataSha256: hash('sha256', data, 'hex'), attachments: refs.length },
        });
        db.prepare('INSERT INTO records (id, contract, data, created_at, audit_seq) VALUES (?, ?, ?, ?, ?)').run(recordId, input.contract, data, ts, entry.seq);
        for (const h of refs) deps.outbox.enqueueAttachment(h, input.contract, profile, ts);
        const outboxId = deps.outbox.enqueueRecord(recordId, input.contract, profile, ts);
        if (input.draftId) db.prepare('DELETE FROM drafts WHERE id = ?').run(input.draftId);
        return { recordId, outboxId };
      })();
    },
    listRecords(limit) {
      return db
        .prepare(
          `SELECT r.id, r.contract, r.created_at AS createdAt, o.state FROM records r
           LEFT JOIN outbox o ON o.record_id = r.id ORDER BY r.id DESC LIMIT ?`,
        )
        .all(limit) as { id: string; contract: string; createdAt: string; state: string | null }[];
    },
  };
}
