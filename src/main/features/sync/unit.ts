// A record and the attachments it names are one unit (decision 0020): before a batch goes out,
// every attachment item in it has its chunks uploaded, and a record goes only when each of its
// attachments is stored on the server (acked earlier, or uploaded in this run). What holds a record
// back is written on it, so the outbox view says exactly why it is not synced.
import { decodeStoredError, withCause } from '../../../shared/error-messages';
import { msg, type Message } from '../../../shared/messages';
import type { DeviceSigner } from '../../platform/device/credential';
import type { SyncConfig } from '../../platform/device/sync-config';
import type { EngineCtx } from './context';
import type { OutboxRow } from './ports';
import { attachmentHashesOf, blobIdsOf } from './seal';
import type { Transfers } from './transfers';
import { uploadAttachment } from './upload';

/** Why a record cannot go yet (null: every attachment it names is stored); the attachment's own error is its cause. */
function recordWait(ctx: EngineCtx, row: OutboxRow, stored: ReadonlySet<string>): Message | null {
  const rec = ctx.d.records.getRecord(row.record_id!);
  if (!rec) return null;
  const hashes = [...attachmentHashesOf(JSON.parse(rec.data) as unknown)];
  for (const a of ctx.d.outbox.attachmentRows(hashes)) {
    if (a.state === 'acked' || stored.has(a.attachment_hash!)) continue;
    const name = ctx.d.attachments.stat(a.attachment_hash!)?.name ?? a.attachment_hash!.slice(0, 12);
    const cause = decodeStoredError(a.last_error);
    if (a.state === 'blocked' || a.state === 'dead')
      return withCause(msg('errors.sync.attachment_refused', { name }), cause ?? msg('errors.sync.see_attachment'));
    return cause ? withCause(msg('errors.sync.attachment_waiting_because', { name }), cause) : msg('errors.sync.attachment_waiting', { name });
  }
  return null;
}

/** The rows of `ready` that may go in a batch now; uploads the attachment chunks on the way. */
export async function prepareUnits(
  ctx: EngineCtx,
  u: { cfg: SyncConfig; signer: DeviceSigner; transfers: Transfers },
  ready: OutboxRow[],
): Promise<OutboxRow[]> {
  const { outbox } = ctx.d;
  const stored = new Set<string>();
  const out: OutboxRow[] = [];
  for (const row of ready) {
    if (row.kind === 'attachment' && blobIdsOf(row).length > 0) {
      const r = await uploadAttachment(ctx, { ...u, row });
      if (r.kind === 'stored') {
        stored.add(row.attachment_hash!);
        out.push(row);
      } else if (r.kind === 'paused') outbox.noteError(row.id, msg('errors.sync.paused'));
      else if (r.kind === 'refused') outbox.markBlocked(row.id, null, withCause(msg('errors.sync.refused_retry'), r.error));
      else outbox.noteError(row.id, r.error);
      continue;
    }
    if (row.kind === 'record' && blobIdsOf(row).length > 0) {
      const wait = recordWait(ctx, row, stored);
      if (wait) {
        outbox.noteError(row.id, wait);
        continue;
      }
    }
    out.push(row);
  }
  return out;
}
