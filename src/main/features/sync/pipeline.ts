// The run loop: due items in batches, oldest first, one batch at the server at a time. The device's
// own work is overlapped with the server's (decision 0039): while batch k is at the server, the next
// items are chosen and sealed; once k's reply is in and settled, batch k+1 goes out at once and k's
// receipt signatures are checked (worker pool) and acked while the server works on k+1.
import type { AuditAnchorWire } from '../../../shared/sync/protocol';
import type { DeviceSigner } from '../../platform/device/credential';
import type { DeviceKeyRing } from '../../platform/device/server-keys';
import type { SyncConfig } from '../../platform/device/sync-config';
import { ackVerified, postBatch, settleBatch, type BatchInput } from './batch';
import { sealAll } from './seal';
import type { EngineCtx, RunSummary } from './context';
import type { OutboxRow } from './ports';

export const BATCH_MAX_ITEMS = 100;
export const BATCH_MAX_BYTES = 1024 * 1024;

/** What the loop needs from the engine. */
export interface RunHooks {
  /** The audit anchor for the next exchange (read when it goes out: after the last checkpoint). */
  anchor(): AuditAnchorWire | undefined;
  /** Attachment uploads before a batch (./unit.ts); null when the server went away. */
  units(ready: OutboxRow[]): Promise<OutboxRow[] | null>;
  publish(): Promise<void>;
}

/** Rows up to BATCH_MAX_BYTES (at least one), counting base64 size. */
function fill(ready: OutboxRow[]): { batch: OutboxRow[]; bytes: number } {
  const batch: OutboxRow[] = [];
  let bytes = 0;
  for (const s of ready) {
    const size = Math.ceil((s.ciphertext!.length * 4) / 3);
    if (batch.length > 0 && bytes + size > BATCH_MAX_BYTES) break;
    batch.push(s);
    bytes += size;
  }
  return { batch, bytes };
}

interface Picked {
  due: OutboxRow[];
  ready: OutboxRow[];
}

/** The next due rows not tried in this run, sealed (local work only: no request is made). */
async function pick(ctx: EngineCtx, tried: Set<string>): Promise<Picked> {
  const due = ctx.d.outbox.due(BATCH_MAX_ITEMS, tried);
  const { ready, waiting } = await sealAll(ctx.d, due);
  // Rows waiting for the tenant key are not tried again in this run.
  for (const id of waiting) tried.add(id);
  return { due, ready };
}

/** A promise whose failure is held until it is awaited (it may settle while nothing awaits it). */
function held<T>(p: Promise<T>): () => Promise<T> {
  const r = p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return async () => {
    const x = await r;
    if (!x.ok) throw x.error;
    return x.value;
  };
}

interface Loop {
  ctx: EngineCtx;
  hooks: RunHooks;
  summary: RunSummary;
  /**
   * Items not to pick again in this run: those answered but not acked (a refused receipt, a failure:
   * they wait for the next run), those waiting for a key, and those at the server or awaiting their
   * receipts' check. Acked items leave it, so it stays small.
   */
  tried: Set<string>;
  /** The previous batch's receipt check and acks; null when none is running. */
  acking: (() => Promise<void>) | null;
  /** Items of the previous batch awaiting their acks (BatchInput.awaitingAck). */
  awaitingAck: number;
}

/** Start checking a settled batch's receipts; the loop awaits it before it settles the next reply. */
function startAck(l: Loop, input: BatchInput, toVerify: Parameters<typeof ackVerified>[2]): void {
  l.awaitingAck = toVerify.length;
  l.acking = held(
    ackVerified(l.ctx, input, toVerify).then((acked) => {
      l.awaitingAck = 0;
      // Acked items leave the set (it stays small); the rest of the batch is not tried again in this run.
      for (const id of acked) l.tried.delete(id);
    }),
  );
}

async function finishAck(l: Loop): Promise<void> {
  const a = l.acking;
  l.acking = null;
  if (a) await a();
}

/** Send everything due (see the file comment); the run's summary and state say how it went. */
export async function sendAll(ctx: EngineCtx, hooks: RunHooks, cfg: SyncConfig, signer: DeviceSigner, ring: DeviceKeyRing, summary: RunSummary): Promise<void> {
  const l: Loop = { ctx, hooks, summary, tried: new Set(), acking: null, awaitingAck: 0 };
  try {
    await loop(l, { cfg, signer, ring });
  } finally {
    await finishAck(l);
  }
}

async function loop(l: Loop, keys: { cfg: SyncConfig; signer: DeviceSigner; ring: DeviceKeyRing }): Promise<void> {
  const { ctx, hooks, summary, tried } = l;
  const progress = ctx.state.progress!;
  let picked = await pick(ctx, tried);
  for (let guard = 0; guard < 10_000; guard++) {
    const { due, ready } = picked;
    // Nothing left to send: the last acks first (a refused receipt is audited; the anchor carries it).
    if (due.length === 0) await finishAck(l);
    const anchor = hooks.anchor();
    // With nothing to send, the first round still sends an empty batch: a run always refreshes
    // the last sync time (submit needs one within 24 h) and the server's word on this device
    // (an unblock, a cleared update requirement).
    if (due.length === 0 && !anchor && guard > 0) break;
    const sendable = await hooks.units(ready);
    if (!sendable) break;
    for (const r of ready) if (!sendable.includes(r)) tried.add(r.id);
    if (sendable.length === 0 && ready.length > 0 && !anchor) {
      picked = await pick(ctx, tried);
      continue;
    }
    const { batch, bytes } = fill(sendable);
    for (const r of batch) tried.add(r.id);
    progress.bytesTotal += bytes;
    const input: BatchInput = { ...keys, batch, anchor, summary, awaitingAck: l.awaitingAck };
    const restartedAt = ctx.state.anchorFrom;
    const reply = held(postBatch(ctx, input));
    // While the server works on this batch: the previous batch's acks, and the next rows sealed.
    const next = held(finishAck(l).then(() => pick(ctx, tried)));
    await next().catch(() => undefined); // its failure, if any, is thrown below (after this reply is settled)
    const { go, toVerify } = await settleBatch(ctx, input, await reply());
    keys.ring = input.ring;
    startAck(l, input, toVerify);
    progress.itemsDone += batch.length;
    progress.bytesDone += bytes;
    summary.batches += 1;
    await hooks.publish();
    if (!go) break;
    // An anchor-only or empty exchange ends the run, unless the server asked for the anchor to
    // start earlier (a restored server): then once more from there (each time a new point).
    const restart = ctx.state.anchorFrom !== null && ctx.state.anchorFrom !== restartedAt;
    if (due.length === 0 && !restart) break;
    picked = await next();
  }
}
