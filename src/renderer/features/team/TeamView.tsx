import { AttachmentOpen } from './AttachmentOpen';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { refusalWords } from './refusal-words';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import type { TeamRecordView, TeamStatus } from '../../../shared/team/views';
import { useTeam } from './team-store';
import { useApp } from '../../app-store';
import { dateTime, relativeTime } from '../../ui/format';
import { ago } from './team';
import { ReasonDialog } from '../../ui/ReasonDialog';
import { Freshness, PullButton } from './Freshness';
import { useApprover, useNow, useRefreshOn } from './hooks';
import { Who } from '../../ui/Who';
import { RotateKey } from './RotateKey';

const TEAM_EVENTS = ['team.changed' as const];

function Figure({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function CertificateCard({ st, now }: { st: TeamStatus; now: number }) {
  const c = st.certificate;
  const expired = c ? Date.parse(c.expiresAt) <= now : false;
  return (
    <article className="card" aria-label="Certificate" data-testid="team-certificate">
      <header className="card-head">
        <strong>Device certificate</strong>
        {c ? (
          <span className={c.status === 'active' && !expired ? 'badge badge-ok' : 'badge badge-error'} data-status={c.status}>
            {c.status === 'revoked' ? 'revoked' : expired ? 'expired' : 'active'}
          </span>
        ) : (
          <span className="badge badge-warn">none</span>
        )}
      </header>
      {c ? (
        <dl className="figures">
          <Figure label="Device">{st.device ? <Who device={st.device} /> : '—'}</Figure>
          <Figure label="Version">v{c.version}</Figure>
          <Figure label="Roles">{c.roles.join(', ') || '—'}</Figure>
          <Figure label="Expires">
            {dateTime(c.expiresAt)}{' '}
            <span className={expired ? 'error' : 'muted'}>
              ({expired ? 'expired ' : ''}
              {relativeTime(c.expiresAt, now)})
            </span>
          </Figure>
          <Figure label="Encryption key">
            {c.hasEncryptionKey ? (
              <span className="ok">registered</span>
            ) : (
              <span className="warn-text">not registered: tenant keys cannot be sent to this device</span>
            )}
          </Figure>
        </dl>
      ) : (
        <p className="small muted">
          {st.enrolled
            ? 'The server has not issued this device a certificate yet; it comes with the next sync.'
            : 'Enroll this device (under Outbox) to get a certificate.'}
        </p>
      )}
      {c?.status === 'revoked' && <p className="small error">This device&apos;s certificate is revoked: its approvals are refused by every device.</p>}
    </article>
  );
}

function KeysCard({ st }: { st: TeamStatus }) {
  const k = st.keys;
  return (
    <article className="card" aria-label="Tenant keys" data-testid="team-keys">
      <header className="card-head">
        <strong>Tenant keys</strong>
        {k.waitingForKey ? <span className="badge badge-warn">waiting for key</span> : <span className="badge badge-ok">{k.versions.length} held</span>}
      </header>
      <dl className="figures">
        <Figure label="Versions held">{k.versions.length ? k.versions.map((v) => `v${v}`).join(', ') : 'none'}</Figure>
        <Figure label="Current">{k.current !== null ? `v${k.current}` : '—'}</Figure>
        <Figure label="Admin device">{k.admin ? 'yes' : 'no'}</Figure>
      </dl>
      {k.waitingForKey && (
        <p className="small warn-text" data-testid="team-waiting-for-key">
          Waiting for the tenant key. New items wait until an admin device sends this device the tenant key: they stay queued (sealed only when the key arrives)
          and nothing is lost.
        </p>
      )}
      {k.admin && (
        <p className="small muted">
          This is an admin device: it creates the first tenant key and, when it pulls, sends the tenant key to devices that lack it.
        </p>
      )}
      {k.admin && <RotateKey current={k.current} />}
    </article>
  );
}

function PullCard({ st, now }: { st: TeamStatus; now: number }) {
  const p = st.pull;
  return (
    <article className="card" aria-label="Pull" data-testid="team-pull">
      <header className="card-head">
        <strong>Pull</strong>
        <span className={p.stopped ? 'badge badge-error' : p.live ? 'badge badge-ok' : 'badge badge-warn'} data-testid="team-live" data-live={p.live}>
          {p.stopped ? 'stopped' : p.live ? 'live' : 'not live'}
        </span>
      </header>
      <dl className="figures">
        <Figure label="Last pull">
          {p.lastPullAt ? (
            <>
              {dateTime(p.lastPullAt)} <span className="muted">({ago(p.lastPullAt, now)})</span>
            </>
          ) : (
            'never'
          )}
        </Figure>
        <Figure label="Server time">{p.lastServerTime ? dateTime(p.lastServerTime) : '—'}</Figure>
        <Figure label="Cursor">
          <span className="mono" data-testid="team-cursor">
            #{p.cursor}
          </span>
        </Figure>
        <Figure label="Applied">
          <span data-testid="team-applied">{p.applied}</span>
        </Figure>
        <Figure label="Refused">{st.refused}</Figure>
        <Figure label="Peers known">{st.peers}</Figure>
      </dl>
    </article>
  );
}

function StoppedAlert({ st }: { st: TeamStatus }) {
  const askSkip = useTeam((s) => s.askSkip);
  const s = st.pull.stopped;
  if (!s) return null;
  return (
    <div className="refusal team-stopped" role="alert" data-testid="team-stopped" data-seq={s.seq} data-code={s.code}>
      <p className="refusal-message">
        <strong>The pull stopped at item #{s.seq}.</strong> {refusalWords(s.code).what}
      </p>
      <p className="refusal-message">
        <strong>What to do next:</strong> {refusalWords(s.code).next}
      </p>
      <details className="plain-details refusal-message">
        <summary>Details</summary>
        <span className="refusal-code mono">{s.code}</span>: {s.message}
      </details>
      <p className="refusal-message small">
        Nothing after this item is applied until it is resolved ({dateTime(s.at)}). Items are never skipped silently: if it cannot be fixed (for example a
        tenant key that will not arrive), skip it with a reason. The skip is recorded in the audit log.
      </p>
      <div className="row-actions">
        <button type="button" className="danger" onClick={() => askSkip(true)}>
          Skip this item
        </button>
      </div>
    </div>
  );
}

function SkipDialog() {
  const { skipping, askSkip, skip, status } = useTeam();
  const s = status?.pull.stopped;
  return (
    <ReasonDialog
      open={skipping && !!s}
      title={s ? `Skip item #${s.seq}?` : 'Skip item?'}
      reasonLabel="Reason"
      confirmLabel="Confirm"
      busyLabel="Skipping…"
      danger
      testId="team-skip-dialog"
      onCancel={() => askSkip(false)}
      onConfirm={skip}
    >
      <p className="small">
        The pull moves past item #{s?.seq} ({s?.code}); its contents are not applied on this device and are not fetched again. The skip, the item and your
        reason are recorded in the audit log.
      </p>
    </ReasonDialog>
  );
}

function Refusals() {
  const { refusals, refusalsError } = useTeam();
  return (
    <article className="card" aria-label="Refusals" data-testid="team-refusals">
      <header className="card-head">
        <strong>Refused by this device</strong>
        <span className={refusals.length ? 'badge badge-error' : 'badge badge-ok'}>{refusals.length}</span>
      </header>
      <p className="small muted">
        Approvals, keys, certificates and items this device did not accept (a bad signature, a revoked certificate, the wrong run …).
      </p>
      {refusalsError && <p className="small error">{refusalsError}</p>}
      {!refusalsError && refusals.length === 0 && (
        <p className="small muted empty-state" data-testid="team-refusals-empty">
          Nothing refused. If an approval, key or certificate from the team cannot be used, it is listed here with what to do.
        </p>
      )}
      {refusals.length > 0 && (
        <div className="team-table-wrap">
          <table className="history small team-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Kind</th>
                <th>From</th>
                <th>Subject</th>
                <th>What happened</th>
                <th>What to do</th>
              </tr>
            </thead>
            <tbody>
              {refusals.map((r) => (
                <tr key={r.id} data-testid="team-refusal" data-kind={r.kind} data-code={r.code}>
                  <td>{dateTime(r.at)}</td>
                  <td>
                    {r.kind}
                    {r.seq !== null ? <span className="muted"> #{r.seq}</span> : ''}
                  </td>
                  <td className="mono">{r.from ?? '—'}</td>
                  <td className="mono">{r.subject ?? '—'}</td>
                  <td>
                    {refusalWords(r.code).what}
                    <details className="plain-details">
                      <summary>Details</summary>
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
    <article className="card" aria-label="Captures from other devices" data-testid="team-captures">
      <header className="card-head">
        <strong>Captures from other devices</strong>
        <span className="badge badge-version">{page.items.length}</span>
      </header>
      <p className="small muted">Records and photos field devices of the tenant sent, decrypted on this device after their receipts verified.</p>
      {page.error && <p className="small error">{page.error}</p>}
      {page.items.length === 0 && !page.error && (
        <p className="small muted">No captures from other devices yet. They appear here after Pull now or the next automatic pull.</p>
      )}
      {page.items.map((r) => (
        <details key={`${r.device}/${r.id}`} className="team-capture" data-testid="team-capture" data-device={r.device}>
          <summary>
            <span className="mono">{r.contract}</span> · {r.kind === 'attachment' ? 'attachment' : r.id} · from <Who device={r.device} /> ·{' '}
            {dateTime(r.createdAt)}
          </summary>
          {attachmentOf(r) ? <AttachmentOpen device={r.device} {...attachmentOf(r)!} /> : <pre className="small mono">{JSON.stringify(r.data, null, 2)}</pre>}
        </details>
      ))}
    </article>
  );
}

/** A chunked attachment's manifest (fetched when opened), or null for a record or an inline file. */
function attachmentOf(r: { kind: string; data: unknown }): { hash: string; name: string; size: number } | null {
  const d = r.data as { hash?: unknown; name?: unknown; size?: unknown; blob?: unknown } | null;
  if (r.kind !== 'attachment' || !d || typeof d.blob !== 'string' || typeof d.hash !== 'string') return null;
  return { hash: d.hash, name: typeof d.name === 'string' ? d.name : 'attachment', size: typeof d.size === 'number' ? d.size : 0 };
}

function Peers() {
  const { peers, peersError } = useTeam();
  return (
    <article className="card" aria-label="Peers" data-testid="team-peers">
      <header className="card-head">
        <strong>Devices of the tenant</strong>
        <span className="badge badge-version">{peers.length}</span>
      </header>
      <p className="small muted">Devices whose certificates this device knows: their approvals and items are checked against these.</p>
      {peersError && <p className="small error">{peersError}</p>}
      {!peersError && peers.length === 0 && (
        <p className="small muted empty-state">
          No other devices known yet. Devices of your team appear here once they are enrolled and their certificates are pulled.
        </p>
      )}
      {peers.length > 0 && (
        <div className="team-table-wrap">
          <table className="history small team-table">
            <thead>
              <tr>
                <th>Device</th>
                <th>User</th>
                <th>Roles</th>
                <th>Status</th>
                <th>Certificate</th>
                <th>Expires</th>
                <th>Encryption key</th>
              </tr>
            </thead>
            <tbody>
              {peers.map((p) => (
                <tr key={p.device} data-testid="team-peer" data-device={p.device} data-status={p.status}>
                  <td>
                    <Who device={p.device} tagSelf />
                  </td>
                  <td>{p.user}</td>
                  <td>{p.roles.join(', ')}</td>
                  <td>
                    <span className={p.status === 'active' ? 'badge badge-ok' : 'badge badge-error'}>{p.status}</span>
                  </td>
                  <td>v{p.certVersion}</td>
                  <td>{dateTime(p.expiresAt)}</td>
                  <td>{p.hasEncryptionKey ? 'registered' : <span className="warn-text">none</span>}</td>
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
    <section aria-label="Team sync" className="team-view" data-testid="team-view">
      <header className="view-head">
        <h2>Team sync</h2>
        {status && <Freshness noun="Items" asOf={status.pull.lastPullAt} />}
        <PullButton onPulled={refresh} />
        {pulling && <span className="muted small">Pulling…</span>}
        <button type="button" className="secondary" onClick={refresh}>
          Refresh
        </button>
      </header>
      {pullError && (
        <p className="error" role="alert">
          Pull failed: {pullError}
        </p>
      )}
      {statusError && (
        <p className="error" role="alert">
          Team sync status unavailable: {statusError}
        </p>
      )}
      {!status && !statusError && <p className="muted">Loading team sync status…</p>}
      {status && !status.enrolled && (
        <p className="card small">
          This device is not enrolled, so it has no team certificate and pulls nothing.{' '}
          <button type="button" className="link" onClick={() => go('outbox')}>
            Enroll it under Outbox
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
