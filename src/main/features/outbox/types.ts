// The outbox's rows as other features read them (sync seals and sends them; team makes their plaintext).
import type { OutboxState } from '../../../shared/api/types';

export interface OutboxRow {
  id: string;
  idempotency_key: string;
  record_id: string | null;
  attachment_hash: string | null;
  kind: 'record' | 'attachment' | 'run' | 'card' | 'approval';
  contract: string;
  tenant: string;
  created_at: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  key_version: number | null;
  ciphertext: Buffer | null;
  iv: string | null;
  tag: string | null;
  content_hash: string | null;
  receipt: string | null;
  receipt_verified: number;
  server_seq: number | null;
  acked_at: string | null;
  required_version: string | null;
  key_scope: 'device' | 'tenant' | null;
  /** run, card: the run or card id; approval: the approval id */
  ref_id: string | null;
  /** approval: the card decided */
  subject: string | null;
  /** approval: the device whose run it decides */
  to_device: string | null;
  /** approval: the signed approval (JSON), fixed when it was made */
  payload: string | null;
  /** JSON array of the blob ids (attachments) the item needs stored on the server; set when sealed. */
  blob_ids: string | null;
}
