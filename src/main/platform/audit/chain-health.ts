// The audit chain's Health check: what this process's own last verification found (never a row of
// audit_verifications, which anyone with the database key can write).
import type { AuditVerifyResult } from '../../../shared/api/types';
import { msg } from '../../../shared/messages';
import type { HealthRegistry } from '../health';
import type { AuditStore } from './audit-store';

export function registerChainHealth(health: HealthRegistry, store: AuditStore, lastOf: () => AuditVerifyResult | null): void {
  health.register('audit.chain', () => {
    const head = store.head();
    const last0 = lastOf();
    const last = last0
      ? {
          verifiedAt: last0.verifiedAt,
          valid: last0.valid,
          checked: last0.checked,
          badSeq: last0.firstBad?.seq ?? null,
          badReason: last0.firstBad?.reason ?? null,
        }
      : null;
    const figures = {
      // The head's seq: seqs run 1..head with no gap (appends take head + 1, triggers refuse
      // deletes), and count(*) walks 1M index entries on every Health refresh.
      entries: head?.seq ?? 0,
      headSeq: head?.seq ?? 0,
      headHash: head ? head.hash.slice(0, 16) : null,
      lastVerifiedAt: last?.verifiedAt ?? null,
      lastVerifiedValid: last ? last.valid : null,
    };
    // The summary in English for logs; the messages (health.check.audit.chain.*) for the view.
    if (!last) {
      return {
        service: 'audit',
        status: 'warn',
        summary: 'The audit chain has not been verified yet.',
        messages: [msg('health.check.audit.chain.unverified')],
        figures,
      };
    }
    if (!last.valid) {
      return {
        service: 'audit',
        status: 'error',
        summary: `The last verification found the chain broken at entry ${last.badSeq} (${last.badReason}).`,
        messages: [msg('health.check.audit.chain.broken', { seq: String(last.badSeq), reason: String(last.badReason) })],
        figures,
      };
    }
    const anchored = last0?.anchored ?? null;
    const unanchored = last0?.unanchored ?? last.checked;
    if (!anchored)
      return {
        service: 'audit',
        status: 'ok',
        summary: `Chain consistent on this device (${last.checked} entries, checked ${last.verifiedAt}); not yet anchored by the server, so not yet proven.`,
        messages: [msg('health.check.audit.chain.consistent', { count: last.checked, at: last.verifiedAt })],
        figures,
      };
    return {
      service: 'audit',
      status: 'ok',
      summary:
        `Chain verified up to entry ${anchored.seq}, anchored by the server at ${anchored.time}` +
        (unanchored > 0 ? `; the ${unanchored} newer entries are consistent but not yet anchored.` : '.'),
      messages: [msg('health.check.audit.chain.anchored', { seq: String(anchored.seq), time: anchored.time, newer: unanchored })],
      figures,
    };
  });
}
