// Embed-behind: add() writes an item (its row, its full-text entry, its audit entry) in its own
// transaction and returns; the item's vector is computed here right after, for up to BATCH items
// in one embed() call, and written for the whole batch in one transaction with one
// `memory.embedded` audit entry (docs/decisions/0041-write-path-off-the-main-thread.md).
//
// Why: add() used to wait for an embed() call of its own. A model runs on its own threads, so each
// add paid a round trip to them (about 300 µs with the tiny test model, twice what the model
// computes); in batches the model costs a third of that per text, and it runs while the next adds
// are written. Search waits for the items added before it (see idle()), so an item is found by
// meaning as soon as add() has returned, as before. An embedding that fails leaves the item without
// a vector (found by its words) until reembed(), as before.
import type { Embedder } from './ports';
import type { ItemRow } from './store';
import { embedRows, storeVectors, type BulkContext } from './bulk';

/** Texts per embed() call. */
export const EMBED_BATCH = 64;
/** Items waiting for a vector before add() waits for a batch to finish (bounds memory and search's wait). */
export const EMBED_MAX_PENDING = 2 * EMBED_BATCH;

export class EmbedBehind {
  private readonly queue: ItemRow[] = [];
  private running: Promise<void> | null = null;
  /** add() calls waiting for room: woken after each batch. */
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly c: BulkContext,
    private readonly embedder: () => Embedder,
    /** Ids given a vector (after their transaction committed). */
    private readonly onEmbedded: (ids: string[]) => void,
  ) {}

  /** Embed this row's text and store its vector (the row is committed, without a vector). */
  push(row: ItemRow): void {
    this.queue.push(row);
    this.start();
  }

  /** Resolves once fewer than EMBED_MAX_PENDING items wait (add() calls it before writing). */
  async room(): Promise<void> {
    while (this.queue.length >= EMBED_MAX_PENDING && this.running) await new Promise<void>((r) => this.waiting.push(r));
  }

  /** Resolves when every item pushed so far has its vector, or its embedding failed. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private start(): void {
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      this.wake();
      // Pushed after the loop's last look at the queue.
      if (this.queue.length > 0) this.start();
    });
  }

  private async drain(): Promise<void> {
    // The adds already under way this turn join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length > 0) {
      try {
        await this.embedBatch(this.queue.splice(0, EMBED_BATCH));
      } finally {
        this.wake();
      }
    }
  }

  private wake(): void {
    for (const r of this.waiting.splice(0)) r();
  }

  private async embedBatch(rows: ItemRow[]): Promise<void> {
    const e = this.embedder();
    const failed = (what: string, err: unknown) =>
      this.c.logger.warn(`memory: ${what}; the items stay without a vector (reembed() fills it in)`, {
        code: 'MEMORY_EMBED_FAILED',
        model: e.id,
        items: rows.length,
        error: (err as Error).message,
      });
    let vecs: Float32Array[];
    try {
      vecs = await embedRows(e, rows);
    } catch (err) {
      return failed('embedding failed', err);
    }
    // Closed while the model ran (the app is stopping): the items are re-embedded by reembed().
    if (!this.c.db.open) return;
    try {
      const ids = this.c.store.transaction(() => storeVectors(this.c, e, rows, vecs, 'memory.embedded'));
      if (ids.length > 0) this.onEmbedded(ids);
    } catch (err) {
      failed('vectors not stored', err);
    }
  }
}
