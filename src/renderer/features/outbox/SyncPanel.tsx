import type { ReactNode } from 'react';
import type { SyncPhase, SyncStatus } from '../../../shared/api/types';
import { useOutbox } from './outbox-store';
import { dateTime } from '../../ui/format';
import { EnrollForm } from './EnrollForm';
import { RiskCard } from './RiskCard';
import { UnlockForm } from './UnlockForm';
import { SyncProgress } from './SyncProgress';
import { Who } from '../../ui/Who';

const PHASE_TEXT: Record<SyncPhase, string> = {
  not_enrolled: 'This device is not enrolled yet. Captures wait safely in the outbox.',
  locked: 'The key vault is locked. Unlock it to sync.',
  idle: 'Waiting for the next run.',
  offline: 'The server cannot be reached. Items wait and are sent when it is back.',
  syncing: 'Sending queued items…',
  error: 'The last run stopped with an error.',
};

/** The phase as people say it (the badge); data-phase keeps the code. */
const PHASE_LABEL: Record<SyncPhase, string> = {
  not_enrolled: 'not enrolled',
  locked: 'locked',
  idle: 'idle',
  offline: 'offline',
  syncing: 'syncing',
  error: 'error',
};

const reachability = (r: boolean | null) => (r === null ? 'unknown' : r ? 'reachable' : 'offline');

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function SyncCard({ st }: { st: SyncStatus }) {
  const { syncNow, syncing } = useOutbox();
  const blocked = st.phase === 'not_enrolled' ? 'Enroll this device first' : st.phase === 'locked' ? 'Unlock the vault first' : undefined;
  const r = reachability(st.reachable);
  return (
    <article className="card" aria-label="Sync">
      <header className="card-head">
        <strong>Sync</strong>
        <span className={`badge phase-${st.phase}`} data-testid="sync-phase" data-phase={st.phase}>
          {PHASE_LABEL[st.phase]}
        </span>
      </header>
      <p className="small">{PHASE_TEXT[st.phase]}</p>
      <dl className="figures">
        <Figure label="Server">
          <span className={`reach reach-${r}`} data-testid="sync-reachable" data-reachable={r}>
            {r}
          </span>
        </Figure>
        <Figure label="Last sync">{st.lastSyncAt ? dateTime(st.lastSyncAt) : 'never'}</Figure>
        {st.lastError && (
          <Figure label="Last error">
            <span className="error">{st.lastError}</span>
          </Figure>
        )}
      </dl>
      {st.progress && <SyncProgress progress={st.progress} />}
      <div className="row-actions">
        <button type="button" onClick={() => void syncNow()} disabled={syncing || st.phase === 'syncing' || !!blocked} title={blocked}>
          {syncing || st.phase === 'syncing' ? 'Syncing…' : 'Sync now'}
        </button>
        {blocked && <span className="muted small">{blocked}</span>}
      </div>
    </article>
  );
}

function EnrollmentCard({ st }: { st: SyncStatus }) {
  const e = st.enrolled;
  const locked = st.keyStore.locked;
  return (
    <article className="card" aria-label="Enrollment">
      <header className="card-head">
        <strong>Enrollment</strong>
        <span className={e ? 'badge badge-ok' : 'badge badge-warn'}>{e ? 'enrolled' : 'not enrolled'}</span>
      </header>
      {e ? (
        <dl className="figures" data-testid="enrollment">
          <Figure label="Server">
            <span className="mono">{e.serverUrl}</span>
          </Figure>
          <Figure label="Device">
            <Who device={e.deviceId} />
          </Figure>
          <Figure label="User">{e.user}</Figure>
          <Figure label="Tenant">{e.tenant}</Figure>
          <Figure label="Roles">{e.roles.join(', ')}</Figure>
          <Figure label="Enrolled">{dateTime(e.enrolledAt)}</Figure>
          <Figure label="Server key">
            <span className="mono">{e.serverKeyId}</span>
          </Figure>
        </dl>
      ) : (
        <EnrollForm disabledReason={locked ? 'Unlock the vault (under Keys) before enrolling: the device key is kept there.' : undefined} />
      )}
    </article>
  );
}

function KeysCard({ st }: { st: SyncStatus }) {
  const k = st.keyStore;
  return (
    <article className="card" aria-label="Keys">
      <header className="card-head">
        <strong>Keys</strong>
        <span className={k.locked ? 'badge badge-warn' : 'badge badge-ok'}>
          {k.kind === 'vault' ? 'passphrase vault' : 'OS keychain'} · {k.locked ? 'locked' : 'unlocked'}
        </span>
      </header>
      <p className="muted small" data-testid="keystore-note">
        {k.note}
      </p>
      {k.kind === 'vault' && k.locked && <UnlockForm />}
    </article>
  );
}

function AnchorCard({ st }: { st: SyncStatus }) {
  const a = st.anchor;
  return (
    <article className="card" aria-label="Audit anchor">
      <header className="card-head">
        <strong>Audit anchor</strong>
      </header>
      {a ? (
        <dl className="figures" data-testid="audit-anchor">
          <Figure label="Entry">#{a.seq}</Figure>
          <Figure label="Head">
            <span className="mono" title={a.head}>
              {a.head.slice(0, 16)}…
            </span>
          </Figure>
          <Figure label="Confirmed">{dateTime(a.time)}</Figure>
        </dl>
      ) : (
        <p className="muted small">No anchor yet: the server confirms this device&apos;s audit chain head when it syncs.</p>
      )}
    </article>
  );
}

function Alerts({ st }: { st: SyncStatus }) {
  if (st.alerts.length === 0) return null;
  return (
    <article className="card alerts" aria-label="Alerts">
      <header className="card-head">
        <strong>Unresolved alerts</strong>
        <span className="badge badge-error">{st.alerts.length}</span>
      </header>
      <ul>
        {st.alerts.map((a) => (
          <li key={a.id} data-alert={a.code}>
            <span className="mono small">{a.code}</span> {a.message} {a.subject && <span className="muted mono small">({a.subject})</span>}{' '}
            <span className="muted small">{dateTime(a.at)}</span>
          </li>
        ))}
      </ul>
    </article>
  );
}

/** Enrollment, reachability, progress, keys, alerts and the audit anchor, live from 'sync.status'. */
export function SyncPanel() {
  const { status, statusError } = useOutbox();
  if (!status)
    return statusError ? (
      <p className="error" role="alert">
        Sync status unavailable: {statusError}
      </p>
    ) : (
      <p className="muted">Loading sync status…</p>
    );
  return (
    <div className="sync-panel">
      {statusError && (
        <p className="error" role="alert">
          {statusError}
        </p>
      )}
      <div className="cards sync-cards">
        <SyncCard st={status} />
        <EnrollmentCard st={status} />
        <KeysCard st={status} />
        <AnchorCard st={status} />
        <RiskCard st={status} />
      </div>
      <Alerts st={status} />
    </div>
  );
}
