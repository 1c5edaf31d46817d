import { AttachmentOpen } from './AttachmentOpen';
import { Fragment, useCallback, useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { refusalWords } from './refusal-words';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import type { TeamRecordView, TeamStatus } from '../../../shared/team/views';
import { useTeam } from './team-store';
import { useApp } from '../../app-store';
import { dateTime, relativeTime } from '../../ui/format';
import { ago, roleList } from './team';
import { ReasonDialog } from '../../ui/ReasonDialog';
import { Freshness, PullButton } from './Freshness';
import { useApprover, useNow, useRefreshOn } from './hooks';
import { Who } from '../../ui/Who';
import { RotateKey } from './RotateKey';

const TEAM_EVENTS = ['team.changed' as const];
const SKIP_DIALOG_TEST_ID = 'team-skip-dialog';

/** An element's place in a translated sentence: passed as the argument's value, then swapped for the element (see `rich`). */
const slot = (i: number) => `\u0001${i}\u0001`;
/** A translated sentence with elements inside it (a name shown by Who, a code in mono): each `slot(i)` becomes `els[i]`. */
function rich(text: string, els: ReactNode[]): ReactNode {
  return text.split(/\u0001(\d+)\u0001/).map((part, i) => (i % 2 ? <Fragment key={i}>{els[Number(part)]}</Fragment> : part));
}

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function CertificateCard({ st, now }: { st: TeamStatus; now: number }) {
  const { t } = useTranslation('team');
  const c = st.certificate;
  const expired = c ? Date.parse(c.expiresAt) <= now : false;
  return (
    <article className="card" aria-label={t('cert.label')} data-testid="team-certificate">
      <header className="card-head">
        <strong>{t('cert.title')}</strong>
        {c ? (
          <span className={c.status === 'active' && !expired ? 'badge badge-ok' : 'badge badge-error'} data-status={c.status}>
            {c.status === 'revoked' ? t('cert.revoked') : expired ? t('cert.expired') : t('cert.active')}
          </span>
        ) : (
          <span className="badge badge-warn">{t('cert.none')}</span>
        )}
      </header>
      {c ? (
        <dl className="figures">
          <Figure label={t('cert.device')}>{st.device ? <Who device={st.device} /> : '—'}</Figure>
          <Figure label={t('cert.version')}>{t('version', { version: c.version })}</Figure>
          <Figure label={t('cert.roles')}>{roleList(c.roles) || '—'}</Figure>
          <Figure label={t('cert.expires')}>
            {dateTime(c.expiresAt)}{' '}
            <span className={expired ? 'error' : 'muted'}>
              {t('cert.expiresIn', { expired: expired ? 'yes' : 'no', when: relativeTime(c.expiresAt, now) })}
            </span>
          </Figure>
          <Figure label={t('cert.encryptionKey')}>
            {c.hasEncryptionKey ? <span className="ok">{t('cert.keyRegistered')}</span> : <span className="warn-text">{t('cert.keyNotRegistered')}</span>}
          </Figure>
        </dl>
      ) : (
        <p className="small muted">{st.enrolled ? t('cert.notIssued') : t('cert.notEnrolled')}</p>
      )}
      {c?.status === 'revoked' && <p className="small error">{t('cert.revokedNote')}</p>}
    </article>
  );
}

function KeysCard({ st }: { st: TeamStatus }) {
  const { t } = useTranslation('team');
  const k = st.keys;
  return (
    <article className="card" aria-label={t('keys.title')} data-testid="team-keys">
      <header className="card-head">
        <strong>{t('keys.title')}</strong>
        {k.waitingForKey ? (
          <span className="badge badge-warn">{t('keys.waiting')}</span>
        ) : (
          <span className="badge badge-ok">{t('keys.held', { n: k.versions.length })}</span>
        )}
      </header>
      <dl className="figures">
        <Figure label={t('keys.versions')}>{k.versions.length ? k.versions.map((v) => t('version', { version: v })).join(', ') : t('keys.none')}</Figure>
        <Figure label={t('keys.current')}>{k.current !== null ? t('version', { version: k.current }) : '—'}</Figure>
        <Figure label={t('keys.admin')}>{k.admin ? t('yes') : t('no')}</Figure>
      </dl>
      {k.waitingForKey && (
        <p className="small warn-text" data-testid="team-waiting-for-key">
          {t('keys.waitingNote')}
        </p>
      )}
      {k.admin && <p className="small muted">{t('keys.adminNote')}</p>}
      {k.admin && <RotateKey current={k.current} />}
    </article>
  );
}

function PullCard({ st, now }: { st: TeamStatus; now: number }) {
  const { t } = useTranslation('team');
  const p = st.pull;
  return (
    <article className="card" aria-label={t('pullCard.title')} data-testid="team-pull">
      <header className="card-head">
        <strong>{t('pullCard.title')}</strong>
        <span className={p.stopped ? 'badge badge-error' : p.live ? 'badge badge-ok' : 'badge badge-warn'} data-testid="team-live" data-live={p.live}>
          {p.stopped ? t('pullCard.stopped') : p.live ? t('pull.live') : t('pullCard.notLive')}
        </span>
      </header>
      <dl className="figures">
        <Figure label={t('pullCard.lastPull')}>
          {p.lastPullAt ? (
            <>
              {dateTime(p.lastPullAt)} <span className="muted">{t('pullCard.ago', { ago: ago(p.lastPullAt, now) })}</span>
            </>
          ) : (
            t('pullCard.never')
          )}
        </Figure>
        <Figure label={t('pullCard.serverTime')}>{p.lastServerTime ? dateTime(p.lastServerTime) : '—'}</Figure>
        <Figure label={t('pullCard.cursor')}>
          <span className="mono" data-testid="team-cursor">
            #{p.cursor}
          </span>
        </Figure>
        <Figure label={t('pullCard.applied')}>
          <span data-testid="team-applied">{p.applied}</span>
        </Figure>
        <Figure label={t('pullCard.refused')}>{st.refused}</Figure>
        <Figure label={t('pullCard.peers')}>{st.peers}</Figure>
      </dl>
    </article>
  );
}

function StoppedAlert({ st }: { st: TeamStatus }) {
  const { t } = useTranslation('team');
  const askSkip = useTeam((s) => s.askSkip);
  const s = st.pull.stopped;
  if (!s) return null;
  return (
    <div className="refusal team-stopped" role="alert" data-testid="team-stopped" data-seq={s.seq} data-code={s.code}>
      <p className="refusal-message">
        <strong>{t('stopped.title', { seq: s.seq })}</strong> {refusalWords(s.code).what}
      </p>
      <p className="refusal-message">
        <strong>{t('next')}</strong> {refusalWords(s.code).next}
      </p>
      <details className="plain-details refusal-message">
        <summary>{t('details')}</summary>
        <span className="refusal-code mono">{s.code}</span>: {s.message}
      </details>
      <p className="refusal-message small">{t('stopped.explain', { when: dateTime(s.at) })}</p>
      <div className="row-actions">
        <button type="button" className="danger" onClick={() => askSkip(true)}>
          {t('stopped.skip')}
        </button>
      </div>
    </div>
  );
}

function SkipDialog() {
  const { t } = useTranslation('team');
  const { skipping, askSkip, skip, status } = useTeam();
  const s = status?.pull.stopped;
  return (
    <ReasonDialog
      open={skipping && !!s}
      title={s ? t('skip.title', { seq: s.seq }) : t('skip.titleNoItem')}
      reasonLabel={t('skip.reason')}
      confirmLabel={t('skip.confirm')}
      busyLabel={t('skip.busy')}
      danger
      testId={SKIP_DIALOG_TEST_ID}
      onCancel={() => askSkip(false)}
      onConfirm={skip}
    >
      <p className="small">{t('skip.body', { seq: s?.seq ?? '', code: s?.code ?? '' })}</p>
    </ReasonDialog>
  );
}

function Refusals() {
  const { t } = useTranslation('team');
  const { refusals, refusalsError } = useTeam();
  return (
    <article className="card" aria-label={t('refusals.label')} data-testid="team-refusals">
      <header className="card-head">
        <strong>{t('refusals.title')}</strong>
        <span className={refusals.length ? 'badge badge-error' : 'badge badge-ok'}>{refusals.length}</span>
      </header>
      <p className="small muted">{t('refusals.intro')}</p>
      {refusalsError && <p className="small error">{refusalsError}</p>}
      {!refusalsError && refusals.length === 0 && (
        <p className="small muted empty-state" data-testid="team-refusals-empty">
          {t('refusals.empty')}
        </p>
      )}
      {refusals.length > 0 && (
        <div className="team-table-wrap">
          <table className="history small team-table">
            <thead>
              <tr>
                <th>{t('refusals.time')}</th>
                <th>{t('refusals.kind')}</th>
                <th>{t('refusals.from')}</th>
                <th>{t('refusals.subject')}</th>
                <th>{t('refusals.what')}</th>
                <th>{t('refusals.next')}</th>
              </tr>
            </thead>
            <tbody>
              {refusals.map((r) => (
                <tr key={r.id} data-testid="team-refusal" data-kind={r.kind} data-code={r.code}>
                  <td>{dateTime(r.at)}</td>
                  <td>
                    {t(`refusals.kinds.${r.kind}`)}
                    {r.seq !== null ? <span className="muted"> #{r.seq}</span> : ''}
                  </td>
                  <td className="mono">{r.from ?? '—'}</td>
                  <td className="mono">{r.subject ?? '—'}</td>
                  <td>
                    {refusalWords(r.code).what}
                    <details className="plain-details">
                      <summary>{t('details')}</summary>
                      <span className="mono">{r.code}</span>: {r.message}
                    </details>
                  </td>
                  <td>{refusalWords(r.code).next}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}

/** Captures other devices sent (reviewers and admins): the newest 100, each expandable to its data. */
function Captures({ tick }: { tick: number }) {
  const { t } = useTranslation('team');
  const [page, setPage] = useState<{ items: TeamRecordView[]; error: string | null }>({ items: [], error: null });
  useEffect(() => {
    let live = true;
    call('team.records', { limit: 100 }).then(
      (r) => live && setPage({ items: r.items, error: null }),
      (e: unknown) => live && setPage({ items: [], error: errorMessage(e) }),
    );
    return () => {
      live = false;
    };
  }, [tick]);
  return (
    <article className="card" aria-label={t('captures.title')} data-testid="team-captures">
      <header className="card-head">
        <strong>{t('captures.title')}</strong>
        <span className="badge badge-version">{page.items.length}</span>
      </header>
      <p className="small muted">{t('captures.intro')}</p>
      {page.error && <p className="small error">{page.error}</p>}
      {page.items.length === 0 && !page.error && <p className="small muted">{t('captures.empty')}</p>}
      {page.items.map((r) => {
        const attachment = attachmentOf(r, t('captures.attachment'));
        return (
          <details key={`${r.device}/${r.id}`} className="team-capture" data-testid="team-capture" data-device={r.device}>
            <summary>
              {rich(
                t('captures.summary', {
                  contract: slot(0),
                  what: r.kind === ATTACHMENT ? t('captures.attachment') : r.id,
                  from: slot(1),
                  when: dateTime(r.createdAt),
                }),
                [<span className="mono">{r.contract}</span>, <Who device={r.device} />],
              )}
            </summary>
            {attachment ? <AttachmentOpen device={r.device} {...attachment} /> : <pre className="small mono">{JSON.stringify(r.data, null, 2)}</pre>}
          </details>
        );
      })}
    </article>
  );
}

const ATTACHMENT = 'attachment';

/** A chunked attachment's manifest (fetched when opened), or null for a record or an inline file; `unnamed` stands in for a missing name. */
function attachmentOf(r: { kind: string; data: unknown }, unnamed: string): { hash: string; name: string; size: number } | null {
  const d = r.data as { hash?: unknown; name?: unknown; size?: unknown; blob?: unknown } | null;
  if (r.kind !== ATTACHMENT || !d || typeof d.blob !== 'string' || typeof d.hash !== 'string') return null;
  return { hash: d.hash, name: typeof d.name === 'string' ? d.name : unnamed, size: typeof d.size === 'number' ? d.size : 0 };
}

function Peers() {
  const { t } = useTranslation('team');
  const { peers, peersError } = useTeam();
  return (
    <article className="card" aria-label={t('peers.label')} data-testid="team-peers">
      <header className="card-head">
        <strong>{t('peers.title')}</strong>
        <span className="badge badge-version">{peers.length}</span>
      </header>
      <p className="small muted">{t('peers.intro')}</p>
      {peersError && <p className="small error">{peersError}</p>}
      {!peersError && peers.length === 0 && <p className="small muted empty-state">{t('peers.empty')}</p>}
      {peers.length > 0 && (
        <div className="team-table-wrap">
          <table className="history small team-table">
            <thead>
              <tr>
                <th>{t('peers.device')}</th>
                <th>{t('peers.user')}</th>
                <th>{t('peers.roles')}</th>
                <th>{t('peers.status')}</th>
                <th>{t('peers.certificate')}</th>
                <th>{t('peers.expires')}</th>
                <th>{t('peers.encryptionKey')}</th>
              </tr>
            </thead>
            <tbody>
              {peers.map((p) => (
                <tr key={p.device} data-testid="team-peer" data-device={p.device} data-status={p.status}>
                  <td>
                    <Who device={p.device} tagSelf />
                  </td>
                  <td>{p.user}</td>
                  <td>{roleList(p.roles)}</td>
                  <td>
                    <span className={p.status === 'active' ? 'badge badge-ok' : 'badge badge-error'}>{t(`peers.statuses.${p.status}`)}</span>
                  </td>
                  <td>{t('version', { version: p.certVersion })}</td>
                  <td>{dateTime(p.expiresAt)}</td>
                  <td>{p.hasEncryptionKey ? t('peers.keyRegistered') : <span className="warn-text">{t('peers.keyNone')}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}

/** Team sync: certificate, tenant keys, the pull (freshness, cursor, a stopped item and its audited skip), refusals and peers. */
export function TeamView() {
  const { t } = useTranslation('team');
  const { status, statusError, pullError, pulling, refreshStatus, refreshRefusals, refreshPeers } = useTeam();
  const approver = useApprover();
  const go = useApp((s) => s.go);
  const now = useNow(30_000);
  const showPeers = approver.can;
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => {
    setTick((t) => t + 1);
    void refreshStatus();
    void refreshRefusals();
    if (showPeers) void refreshPeers();
  }, [refreshStatus, refreshRefusals, refreshPeers, showPeers]);
  useEffect(() => refresh(), [refresh]);
  useRefreshOn(refresh, TEAM_EVENTS);
  return (
    <section aria-label={t('view.title')} className="team-view" data-testid="team-view">
      <header className="view-head">
        <h2>{t('view.title')}</h2>
        {status && <Freshness noun={t('view.items')} asOf={status.pull.lastPullAt} />}
        <PullButton onPulled={refresh} />
        {pulling && <span className="muted small">{t('pull.pulling')}</span>}
        <button type="button" className="secondary" onClick={refresh}>
          {t('view.refresh')}
        </button>
      </header>
      {pullError && (
        <p className="error" role="alert">
          {t('pull.failed', { error: pullError })}
        </p>
      )}
      {statusError && (
        <p className="error" role="alert">
          {t('view.statusUnavailable', { error: statusError })}
        </p>
      )}
      {!status && !statusError && <p className="muted">{t('view.loading')}</p>}
      {status && !status.enrolled && (
        <p className="card small">
          {t('view.notEnrolled')}{' '}
          <button type="button" className="link" onClick={() => go('outbox')}>
            {t('view.enroll')}
          </button>
        </p>
      )}
      {status && (
        <>
          <StoppedAlert st={status} />
          <div className="cards team-cards">
            <CertificateCard st={status} now={now} />
            <KeysCard st={status} />
            <PullCard st={status} now={now} />
          </div>
          <Refusals />
          {showPeers && <Captures tick={tick} />}
          {showPeers && <Peers />}
        </>
      )}
      <SkipDialog />
    </section>
  );
}
