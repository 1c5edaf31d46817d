// Quota eviction of the memory tiers: the oldest items of a non-core, non-working tier over its
// quota go, one audit entry each. At most EVICT_CHUNK per transaction: the add that finds its tier
// over quota evicts one chunk in its own transaction, and a tier further over (an import, a restored
// export, a year's profile: 140,000 items over at the default quotas) is brought down by a background
// drain, a chunk per turn of the event loop. Evicting them all in that one add held the main thread
// for about a minute at the year profile's size (every request waited, and keep-alive reset them).
import type { Events } from '../../../shared/api/types';
import type { MemoryTier } from '../../../shared/memory/types';
import type { BulkContext } from './bulk';
import type { ItemRow } from './store';

/** Items evicted over a tier's quota per transaction. */
export const EVICT_CHUNK = 256;

type Change = Events['memory.changed'];

export class QuotaEviction {
  private readonly draining = new Set<MemoryTier>();

  constructor(
    private readonly c: BulkContext,
    private readonly quotas: Readonly<Record<MemoryTier, number | null>>,
    private readonly emit: (changes: Change[]) => void,
  ) {}

  private over(tier: MemoryTier): number {
    const q = this.quotas[tier];
    if (tier === 'core' || tier === 'working' || q === null) return 0;
    return Math.max(0, this.c.store.countTier(tier) - q);
  }

  /** Evict up to EVICT_CHUNK items over `tier`'s quota, in the caller's transaction; drain the rest later. */
  evictOverQuota(tier: MemoryTier, changes: Change[]): void {
    const over = this.over(tier);
    if (over === 0) return;
    const quota = this.quotas[tier];
    const rows = this.c.store.oldest(tier, Math.min(over, EVICT_CHUNK));
    for (const r of rows) {
      if (r.embedding_model) for (const idx of this.c.vectors.forModel(r.embedding_model)) idx.remove(r.seq);
      this.c.store.delete(r.seq);
      changes.push({ id: r.id, change: 'evicted' });
    }
    const payload = (r: ItemRow) => ({ tier: r.tier, contentHash: r.content_hash, reason: 'quota', quota });
    this.c.audit.appendMany(rows.map((r) => ({ actor: this.c.serviceActor, action: 'memory.evicted', subject: r.id, payload: payload(r) })));
    if (over > rows.length) this.drainLater(tier);
  }

  /** Whether a background drain is still bringing a tier down to its quota. */
  get busy(): boolean {
    return this.draining.size > 0;
  }

  private drainLater(tier: MemoryTier): void {
    if (this.draining.has(tier)) return;
    this.draining.add(tier);
    const step = () => {
      try {
        if (!this.c.db.open || this.over(tier) === 0) {
          this.draining.delete(tier);
          return;
        }
        const changes: Change[] = [];
        this.c.store.transaction(() => this.evictOverQuota(tier, changes));
        this.emit(changes);
        setImmediate(step);
      } catch (err) {
        this.draining.delete(tier);
        this.c.logger.warn('memory: quota eviction stopped; the next add to the tier resumes it', {
          code: 'MEMORY_EVICT_FAILED',
          tier,
          error: (err as Error).message,
        });
      }
    };
    // The add that scheduled it is still in its transaction: the drain starts after it.
    setImmediate(step);
  }
}
