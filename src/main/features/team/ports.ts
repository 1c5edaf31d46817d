// What team sync needs from the rest of the app (docs/decisions/0014-feature-slices.md): each port is
// the smallest structural interface the owning feature's service (or a small query object in the
// owner's folder) satisfies without importing team. app/services.ts passes them in.
import type { KeyObject } from 'node:crypto';
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { Logger } from '../../platform/util/logger';
import type { EventBus } from '../../platform/events';
import type { AuditService } from '../../platform/audit/index';
import type { SecretStore } from '../../platform/keys/secret-store';
import type { Message } from '../../../shared/messages';
import type { FetchFn } from '../../platform/device/signed-fetch';
import type { Profile, Role } from '../../../shared/api/types';
import type { GuardActor } from '../../../shared/policy/types';
import type { DecisionCard, RunStatus } from '../../../shared/workflow/types';
import type { RunSummary } from '../../../shared/workflow/views';
import type { DecisionContext } from '../../../shared/workflow/decision-context';
import type { TenantKeys } from './tenant-keys';

/** This device's request signer (the device's Ed25519 key). */
export interface DeviceSigner {
  deviceId: string;
  key: KeyObject;
  now: () => Date;
}

/** The run service: what an approval pulled for a run of this device does, and what a run looks like to reviewers. */
interface TeamRuns {
  /** Apply a verified approval (runs.decide). */
  decide(
    runId: string,
    d: {
      decision: 'approved' | 'rejected';
      comment: string;
      actor: GuardActor;
      via: { device: string; certVersion: number; approvalId: string };
      expectCard: string;
      within: () => void;
    },
  ): Promise<unknown>;
  /** The run's summary view (what reviewers see of it). */
  summary(runId: string): RunSummary;
  /** What a reviewer decides on (the record, what made it RED, the AI summary and its sources): shared with the run. */
  context(runId: string): DecisionContext;
}

/** A keyset position of the merged team lists: (time, device, id) of the last row of a page. */
export type TeamKeyset = [time: string, device: string, id: string];

/** Reads of the runs table (owned by features/runs). */
interface TeamRunQueries {
  /** One run's state; null when there is no such run. */
  state(runId: string): { id: string; status: RunStatus; awaitingCard: string | null; updatedAt: string } | null;
  /** Every run of this device that waits for a reviewer (shared once the first tenant key arrives). */
  awaitingIds(): string[];
  /**
   * This device's runs as rows of the merged team list (device = `me`), newest first by
   * (created_at, me, id), before the keyset, at most `limit`.
   */
  page(q: {
    status: string | null;
    me: string;
    before: TeamKeyset | null;
    limit: number;
  }): { id: string; created_at: string; awaiting_card: string | null; updated_at: string }[];
}

/** The card store (owned by features/cards). */
interface TeamCards {
  get(id: string): DecisionCard;
  forRun(runId: string): DecisionCard[];
}

/** Reads of decision_cards and card_approvals (owned by features/cards). */
interface TeamCardQueries {
  /** Whether a card already carries this approval (applied before a crash). */
  hasApproval(approvalId: string): boolean;
  /**
   * This device's cards as rows of the merged team list (device = `me`), in (key, me, id) order `dir`
   * (key: created_at, or the card's cost / uncertainty), after the keyset, at most `limit`. `status`
   * approved / rejected also matches cards still awaiting approval (their latest approval decides; the
   * caller filters).
   */
  page(q: {
    status: string | null;
    lane: string | null;
    runId: string | null;
    text: string | null;
    /** The user's words, also looked up in the card search index (which holds the run's record: its title fields). */
    words?: string | null;
    me: string;
    failedInvariant: string | null;
    from: string | null;
    to: string | null;
    sort: 'time' | 'cost' | 'uncertainty';
    dir: 'asc' | 'desc';
    /** the previous page's last (key, device, id) */
    after: [key: string | number, device: string, id: string] | null;
    limit: number;
  }): { id: string; created_at: string; k: string | number }[];
}

/** A subscription to changes (synchronous: a listener runs inside the writer's transaction). */
interface Changes<T> {
  subscribe(fn: (value: T) => void): () => void;
}

/** The outbox (owned by features/outbox): team items are queued there and sealed when sent. */
interface TeamOutbox {
  enqueueShare(
    kind: 'run' | 'card' | 'approval',
    refId: string,
    contract: string,
    profile: Pick<Profile, 'tenant' | 'deviceId'>,
    ts: string,
    extra?: { subject?: string; to?: string; payload?: string },
  ): string | null;
}

/** An outbox row as team reads it when it is sealed or answered. */
export interface TeamOutboxRow {
  kind: string;
  ref_id: string | null;
  payload: string | null;
}

/** The attachment store (owned by features/capture): pulled attachments land there. */
interface TeamAttachments {
  put(bytes: Buffer, name: string, mime: string, nowIso: string): unknown;
}

/** The local profile (owned by features/profile). */
interface TeamProfile {
  get(): Profile | null;
  require(): Profile;
  /** A newer certificate of this device changed its roles: the profile's role follows. */
  setRole(role: Role): void;
}

/** Alerts (owned by features/sync). */
interface TeamAlerts {
  alert(code: string, message: Message, subject: string): void;
  /** Resolve the open alerts about a subject (a skipped item). */
  resolve(subject: string): void;
}

/** Signature checks off the main thread (features/sync's verify pool). */
interface TeamVerifier {
  verifyAll(key: KeyObject, items: [bytes: string, sigB64: string][]): Promise<boolean[]>;
}

export interface TeamDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  audit: AuditService;
  secrets: () => Promise<SecretStore>;
  tenantKeys: TenantKeys;
  profile: TeamProfile;
  outbox: TeamOutbox;
  attachments: TeamAttachments;
  verifyPool: TeamVerifier;
  alerts: TeamAlerts;
  runs: TeamRuns;
  runQueries: TeamRunQueries;
  cards: TeamCards;
  cardQueries: TeamCardQueries;
  /** Cards recorded or approved (shared with reviewers inside the card's transaction). */
  cardChanges: Changes<DecisionCard>;
  /** This device's signing credential; throws ApiError while locked, missing or not enrolled. */
  credential: () => Promise<{ signer: DeviceSigner }>;
  /** The server's signed-bundle listing from a pull page: install newer policy / workflow bundles. */
  onBundles?: (listing: { name: string; version: string | null }[]) => Promise<void>;
  fetch?: FetchFn;
}
