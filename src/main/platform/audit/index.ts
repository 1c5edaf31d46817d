import type { Db } from '../db/connection';
import type { Clock } from '../util/clock';
import type { EventBus } from '../events';
import type { HealthRegistry } from '../health';
import type { AuditEntry, AuditHead, AuditVerifyResult } from '../../../shared/api/types';
import { AuditStore, type ListFilter, type NewAuditEntry } from './audit-store';
import { auditAnchorQueries, type AuditAnchorQueries } from './anchors';
import type { SealedAnchors, SealedAnchorState } from './sealed-anchor';
import { registerChainHealth } from './chain-health';
import { PAGE_ROWS } from './chain-verifier';
import type { SignedCheckpoint } from '../../../shared/sync/protocol';

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
  /**
   * Same result; checks `chunkRows` entries at a time (default a page, ~10-15 ms of work), yielding to
   * the event loop and emitting `audit.verify.progress` after each, so a year's log (1M entries, a
   * few seconds) neither freezes the app nor is held in memory.
   */
  verifyWithProgress(knownHead?: AuditHead, chunkRows?: number): Promise<AuditVerifyResult>;
  /** Seals a verified server checkpoint in the secret store when it is newer than the one sealed. */
  sealCheckpoint(checkpoint: SignedCheckpoint, serverPublicKey: string): Promise<void>;
  store: AuditStore;
}

export function createAuditService(deps: {
  db: Db;
  clock: Clock;
  events: EventBus;
  health: HealthRegistry;
  /** The server checkpoint sealed in the secret store (absent: tests of the log alone; nothing is anchored). */
  anchors?: SealedAnchors;
}): AuditService {
  const store = new AuditStore(deps.db);
  const nowIso = () => deps.clock.now().toISOString();

  const appendMany = (entries: NewAuditEntry[]) => {
    const out = store.appendMany(entries, nowIso());
    for (const e of out) deps.events.emit('audit.appended', { seq: e.seq, hash: e.hash, action: e.action });
    return out;
  };

  // Health reads this process's own last verification, not the audit_verifications table: a row
  // anyone with the database key can write is no proof (docs/security.md).
  let lastResult: AuditVerifyResult | null = null;
  registerChainHealth(deps.health, store, () => lastResult);

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
    lastResult = result;
    deps.events.emit('audit.verified', result);
    return result;
  };

  /** The heads the chain must match: the caller's, the local ones, and the sealed server anchor. */
  const headsFor = (knownHead: AuditHead | undefined, sealed: SealedAnchorState): AuditHead[] => {
    const heads = knownHead ? [knownHead] : [knownHeadOf()].filter((h): h is AuditHead => h !== null);
    if (sealed.kind === 'ok') heads.push({ seq: sealed.head.seq, hash: sealed.head.hash });
    return heads;
  };

  /** Adds what is anchored to a chain check; a sealed anchor that does not verify fails the check. */
  const withAnchor = (r: AuditVerifyResult, sealed: SealedAnchorState): AuditVerifyResult => {
    if (sealed.kind === 'invalid' && r.valid)
      return { ...r, valid: false, firstBad: { seq: 0, reason: 'anchor_invalid', message: sealed.reason }, anchored: null, unanchored: r.checked };
    const anchored = r.valid && sealed.kind === 'ok' ? { seq: sealed.head.seq, time: sealed.head.time } : null;
    return { ...r, anchored, unanchored: Math.max(0, (r.head?.seq ?? 0) - (anchored?.seq ?? 0)) };
  };
  const sealedState = (): Promise<SealedAnchorState> => deps.anchors?.state() ?? Promise.resolve({ kind: 'none' });

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
      // Synchronous: without the sealed anchor (it lives in the async secret store); the channel uses verifyWithProgress.
      const none: SealedAnchorState = { kind: 'none' };
      return finish(withAnchor(store.verify(headsFor(knownHead, none), nowIso()), none));
    },
    sealCheckpoint: async (checkpoint, serverPublicKey) => {
      await deps.anchors?.seal({ checkpoint, serverPublicKey });
    },
    async verifyWithProgress(knownHead, chunkRows = PAGE_ROWS) {
      // The run's scope is the log as it is now: appends while the anchor is read are outside it.
      const scope = store.head()?.seq ?? 0;
      const sealed = await sealedState();
      const v = store.verifier(headsFor(knownHead, sealed), scope);
      while (!v.step(chunkRows)) {
        deps.events.emit('audit.verify.progress', { checked: v.checked, total: v.total });
        await new Promise((r) => setImmediate(r));
      }
      deps.events.emit('audit.verify.progress', { checked: v.checked, total: v.total });
      return finish(withAnchor(v.result(nowIso()), sealed));
    },
  };
}
