import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncPhase, SyncStatus } from '../../../shared/api/types';
import { useOutbox } from './outbox-store';
import { dateTime } from '../../ui/format';
import { EnrollForm } from './EnrollForm';
import { RiskCard } from './RiskCard';
import { UnlockForm } from './UnlockForm';
import { SyncProgress } from './SyncProgress';
import { Who } from '../../ui/Who';
import { storedErrorText } from '../../ui/error-words';
import { messageText } from '../../ui/message';

/** The phase's message keys: sync.phaseText.* (what it means) and sync.phase.* (the badge, as people say it); data-phase keeps the code. */
const PHASE_KEY: Record<SyncPhase, string> = {
  not_enrolled: 'notEnrolled',
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
  const { t } = useTranslation('outbox');
  const { syncNow, syncing } = useOutbox();
  const blocked = st.phase === 'not_enrolled' ? t('sync.enrollFirst') : st.phase === 'locked' ? t('sync.unlockFirst') : undefined;
  const r = reachability(st.reachable);
  return (
    <article className="card" aria-label={t('sync.label')}>
      <header className="card-head">
        <strong>{t('sync.title')}</strong>
        <span className={`badge phase-${st.phase}`} data-testid="sync-phase" data-phase={st.phase}>
          {t(`sync.phase.${PHASE_KEY[st.phase]}`)}
        </span>
      </header>
      <p className="small">{t(`sync.phaseText.${PHASE_KEY[st.phase]}`)}</p>
      <dl className="figures">
        <Figure label={t('sync.server')}>
          <span className={`reach reach-${r}`} data-testid="sync-reachable" data-reachable={r}>
            {t(`sync.reach.${r}`)}
          </span>
        </Figure>
        <Figure label={t('sync.lastSync')}>{st.lastSyncAt ? dateTime(st.lastSyncAt) : t('sync.never')}</Figure>
        {st.lastError && (
          <Figure label={t('sync.lastError')}>
            <span className="error" data-testid="sync-last-error" data-code={typeof st.lastError === 'string' ? undefined : st.lastError.code}>
              {storedErrorText(st.lastError)}
            </span>
          </Figure>
        )}
      </dl>
      {st.progress && <SyncProgress progress={st.progress} />}
      <div className="row-actions">
        <button type="button" onClick={() => void syncNow()} disabled={syncing || st.phase === 'syncing' || !!blocked} title={blocked}>
          {syncing || st.phase === 'syncing' ? t('sync.syncing') : t('sync.now')}
        </button>
        {blocked && <span className="muted small">{blocked}</span>}
      </div>
    </article>
  );
}

function EnrollmentCard({ st }: { st: SyncStatus }) {
  const { t } = useTranslation('outbox');
  const e = st.enrolled;
  const locked = st.keyStore.locked;
  return (
    <article className="card" aria-label={t('enrollment.label')}>
      <header className="card-head">
        <strong>{t('enrollment.title')}</strong>
        <span className={e ? 'badge badge-ok' : 'badge badge-warn'}>{e ? t('enrollment.enrolled') : t('enrollment.notEnrolled')}</span>
      </header>
      {e ? (
        <dl className="figures" data-testid="enrollment">
          <Figure label={t('enrollment.server')}>
            <span className="mono">{e.serverUrl}</span>
          </Figure>
          <Figure label={t('enrollment.device')}>
            <Who device={e.deviceId} />
          </Figure>
          <Figure label={t('enrollment.user')}>{e.user}</Figure>
          <Figure label={t('enrollment.tenant')}>{e.tenant}</Figure>
          <Figure label={t('enrollment.roles')}>{e.roles.map((r) => t(`common:role.${r}`, { defaultValue: r })).join(', ')}</Figure>
          <Figure label={t('enrollment.enrolledAt')}>{dateTime(e.enrolledAt)}</Figure>
          <Figure label={t('enrollment.serverKey')}>
            <span className="mono">{e.serverKeyId}</span>
          </Figure>
        </dl>
      ) : (
        <EnrollForm disabledReason={locked ? t('enrollment.unlockFirst') : undefined} />
      )}
    </article>
  );
}

function KeysCard({ st }: { st: SyncStatus }) {
  const { t } = useTranslation('outbox');
  const k = st.keyStore;
  return (
    <article className="card" aria-label={t('keys.label')}>
      <header className="card-head">
        <strong>{t('keys.title')}</strong>
        <span className={k.locked ? 'badge badge-warn' : 'badge badge-ok'}>
          {t('keys.badge', { kind: k.kind === 'vault' ? 'vault' : 'os', locked: k.locked ? 'yes' : 'no' })}
        </span>
      </header>
      <p className="muted small" data-testid="keystore-note">
        {messageText(k.note)}
      </p>
      {k.kind === 'vault' && k.locked && <UnlockForm />}
    </article>
  );
}

function AnchorCard({ st }: { st: SyncStatus }) {
  const { t } = useTranslation('outbox');
  const a = st.anchor;
  return (
    <article className="card" aria-label={t('anchor.label')}>
      <header className="card-head">
        <strong>{t('anchor.title')}</strong>
      </header>
      {a ? (
        <dl className="figures" data-testid="audit-anchor">
          <Figure label={t('anchor.entry')}>#{a.seq}</Figure>
          <Figure label={t('anchor.head')}>
            <span className="mono" title={a.head}>
              {a.head.slice(0, 16)}…
            </span>
          </Figure>
          <Figure label={t('anchor.confirmed')}>{dateTime(a.time)}</Figure>
        </dl>
      ) : (
        <p className="muted small">{t('anchor.none')}</p>
      )}
    </article>
  );
}

/** The open alerts; each says what happened in the user's language (a message, or a sentence stored before messages). */
function Alerts({ st }: { st: SyncStatus }) {
  const { t } = useTranslation('outbox');
  if (st.alerts.length === 0) return null;
  return (
    <article className="card alerts" aria-label={t('alerts.label')}>
      <header className="card-head">
        <strong>{t('alerts.title')}</strong>
        <span className="badge badge-error">{st.alerts.length}</span>
      </header>
      <ul>
        {st.alerts.map((a) => (
          <li key={a.id} data-alert={a.code}>
            <span className="mono small">{a.code}</span> {storedErrorText(a.message)} {a.subject && <span className="muted mono small">({a.subject})</span>}{' '}
            <span className="muted small">{dateTime(a.at)}</span>
          </li>
        ))}
      </ul>
    </article>
  );
}

/** Enrollment, reachability, progress, keys, alerts and the audit anchor, live from 'sync.status'. */
export function SyncPanel() {
  const { t } = useTranslation('outbox');
  const { status, statusError } = useOutbox();
  if (!status)
    return statusError ? (
      <p className="error" role="alert">
        {t('sync.unavailable', { error: statusError })}
      </p>
    ) : (
      <p className="muted">{t('sync.loading')}</p>
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
