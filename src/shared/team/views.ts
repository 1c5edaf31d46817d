// What the renderer sees of team sync (channels team.*). Plain data; schemas in ./view-schemas.ts.
import type { CardStatus, DecisionCard, Lane, RunStatus } from '../workflow/types';
import type { RunSummary } from '../workflow/views';
import type { TeamRole } from './protocol';

export interface TeamStatus {
  enrolled: boolean;
  /** this device's id on the server */
  device: string | null;
  /** this device's latest certificate */
  certificate: { version: number; roles: TeamRole[]; status: 'active' | 'revoked'; expiresAt: string; hasEncryptionKey: boolean } | null;
  keys: {
    /** tenant key versions this device holds */
    versions: number[];
    current: number | null;
    /** true while no tenant key has reached this device: new items wait (queued, unsealed) */
    waitingForKey: boolean;
    /** admin devices create the first tenant key and wrap keys for the other devices */
    admin: boolean;
  };
  pull: {
    /** the server seq this device has applied up to */
    cursor: number;
    /** when the last pull finished (this device's clock) */
    lastPullAt: string | null;
    /** the server's time in that pull's last page */
    lastServerTime: string | null;
    /** items applied by pulls so far */
    applied: number;
    /** long-poll loop running */
    live: boolean;
    /** the pull stopped here: a gap, or an item that did not decrypt or verify; never skipped silently */
    stopped: { seq: number; code: string; message: string; at: string } | null;
  };
  /** approvals and rejections this device refused (bad signature, revoked certificate, wrong run …) */
  refused: number;
  /** devices whose certificates this device knows */
  peers: number;
}

/** Where an approval made on this device stands. */
export type TeamDecisionState = 'queued' | 'accepted' | 'conflict' | 'applied' | 'refused';

export interface TeamCardView {
  /** the device that recorded the card and the user enrolled on it */
  device: string;
  user: string;
  /** true: recorded on this device */
  local: boolean;
  card: DecisionCard;
  /** when this device received it (local cards: when recorded) */
  receivedAt: string;
  /** an approval or rejection sent from this device for this card */
  decision: { state: TeamDecisionState; decision: 'approved' | 'rejected'; at: string; message: string | null } | null;
}

export interface TeamRunView {
  device: string;
  user: string;
  local: boolean;
  run: RunSummary;
  /** the card the run waits on, when it waits */
  awaitingCard: string | null;
  receivedAt: string;
  decision: TeamCardView['decision'];
}

export interface TeamCardQuery {
  status?: CardStatus;
  lane?: Lane;
  device?: string;
  runId?: string;
  /** words in subject or rationale */
  q?: string;
  /** 1..500, default 100 */
  limit?: number;
  /** keyset cursor from the previous page */
  before?: string;
}
export interface TeamRunQuery {
  status?: RunStatus;
  device?: string;
  limit?: number;
  before?: string;
}

export interface TeamPage<T> {
  items: T[];
  nextBefore: string | null;
  /** sync freshness: the last pull (null: never pulled) */
  asOf: string | null;
}

export interface TeamRefusal {
  id: number;
  at: string;
  seq: number | null;
  kind: 'approval' | 'key' | 'cert' | 'item';
  from: string | null;
  subject: string | null;
  code: string;
  message: string;
}

export interface TeamPeer {
  device: string;
  user: string;
  roles: TeamRole[];
  status: 'active' | 'revoked';
  certVersion: number;
  expiresAt: string;
  hasEncryptionKey: boolean;
}

/** A capture (record or attachment) another device of the tenant sent, as pulled. */
export interface TeamRecordView {
  device: string;
  user: string;
  kind: 'record' | 'attachment';
  /** record id, or the attachment's sha256 ref */
  id: string;
  contract: string;
  createdAt: string;
  receivedAt: string;
  /** the record's data; for an attachment {hash, name, mime, size} */
  data: unknown;
}
