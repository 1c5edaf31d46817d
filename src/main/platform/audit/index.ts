import type { Db } from '../db/connection';
import type { Clock } from '../util/clock';
import type { EventBus } from '../events';
import type { HealthRegistry } from '../health';
import type { AuditEntry, AuditHead, AuditVerifyResult } from '../../../shared/api/types';
import { AuditStore, type ListFilter, type NewAuditEntry } from './audit-store';
import { auditAnchorQueries, type AuditAnchorQueries } from './anchors';

export { AuditStore, sha256Hex } from './audit-store';
export type { NewAuditEntry } from './audit-store';
export type { AuditAnchorQueries, RawAuditEntry } from './anchors';

export interface AuditService extends AuditAnchorQueries {
  append(e: NewAuditEntry): AuditEntry;
  appendMany(e: NewAuditEntry[]): AuditEntry[];
  list(f: ListFilter): ReturnType<AuditStore['list']>;
  get(seq: number): AuditEntry | null;
  facets(): { actions: string[]; actors: string[] };
  head(): AuditHead | null;
  verify(knownHead?: AuditHead): AuditVerifyResult;
  /** Same result; reads in chunks, yields to the event loop and emits `audit.verify.progress`. */
  verifyWithProgress(knownHead?: AuditHead, chunkRows?: number): Promise<AuditVerifyResult>;
  store: AuditStore;
}

export function createAuditService(deps: { db: Db; clock: Clock; events: EventBus; health: HealthRegistry }): AuditService {
  const store = new AuditStore(deps.db);
  const nowIso = () => deps.clock.now().toISOString();

  const appendMany = (entries: NewAuditEntry[]) => {
    const out = store.appendMany(entries, nowIso());
    for (const e of out) deps.events.emit('audit.appended', { seq: e.seq, hash: e.hash, action: e.action });
    return out;
  };

  deps.health.register('audit.chain', () => {
    const head = store.head();
    const last = store.lastVerification();
    const figures = {
      entries: store.count(),
      headSeq: head?.seq ?? 0,
      headHash: head ? head.hash.slice(0, 16) : null,
      lastVerifiedAt: last?.verifiedAt ?? null,
      lastVerifiedValid: last ? last.valid : null,
    };
    if (!last) return { service: 'audit', status: 'warn', summary: 'The audit chain has not been verified yet.', figures };
    if (!last.valid) {
      return {
        service: 'audit',
        status: 'error',
        summary: `The last verification found the chain broken at entry ${last.badSeq} (${last.badReason}).`,
        figures,
      };
    }
    return { service: 'audit', status: 'ok', summary: `Chain verified (${last.checked} entries) at ${last.verifiedAt}.`, figures };
  });

  // The highest head known to have existed: a previous valid verification, or a server checkpoint
  // (which someone with write access to this file cannot take back).
  const anchorStmt = deps.db.prepare('SELECT seq, head AS hash FROM audit_anchors ORDER BY seq DESC LIMIT 1');
  const knownHeadOf = (): AuditHead | null => {
    const local = store.bestVerifiedHead();
    const anchored = anchorStmt.get() as AuditHead | undefined;
    if (!anchored) return local;
    return !local || anchored.seq >= local.seq ? anchored : local;
  };

  const finish = (result: AuditVerifyResult) => {
    store.recordVerification(result);
    deps.events.emit('audit.verified', result);
    return result;
  };

  return {
    ...auditAnchorQueries(deps.db),
    store,
    append: (e) => appendMany([e])[0]!,
    appendMany,
    list: (f) => store.list(f),
    get: (seq) => store.get(seq),
    facets: () => store.facets(),
    head: () => store.head(),
    verify(knownHead) {
      return finish(store.verify(knownHead ?? knownHeadOf(), nowIso()));
    },
    async verifyWithProgress(knownHead, chunkRows = 20_000) {
      const v = store.verifier(knownHead ?? knownHeadOf());
      while (!v.step(chunkRows)) {
        deps.events.emit('audit.verify.progress', { checked: v.checked, total: v.total });
        await new Promise((r) => setImmediate(r));
      }
      deps.events.emit('audit.verify.progress', { checked: v.checked, total: v.total });
      return finish(v.result(nowIso()));
    },
  };
}
