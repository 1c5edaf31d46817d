import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { AdminDeviceAction } from '../../../shared/api/types';
import type { AdminDeviceDetailResponse, AdminDeviceView } from '../../../shared/server-api';
import { formatDays, levelRank, RISK_LEVELS } from '../../../shared/risk';
import { useAdmin } from './admin-store';
import { count, dateTime } from '../../ui/format';
import { LevelBadge } from './LevelBadge';
import { boardDeviceState } from '../../../shared/risk/device-state';

type Detail = AdminDeviceDetailResponse;

/** One device: why it is at risk, what it runs, its daily history, and the admin actions. */
export function DeviceDetail() {
  const { detail, detailError, open } = useAdmin();
  if (detailError)
    return (
      <aside className="card device-detail" aria-label="Device detail">
        <p className="error" role="alert">
          {detailError}
        </p>
      </aside>
    );
  if (!detail) return null;
  const d = detail.device;
  // The same words and rules as the device's own Outbox and Health (shared/risk/device-state).
  const state = boardDeviceState(d, new Date().toISOString());
  return (
    <aside className="card device-detail stack" aria-label="Device detail" data-testid="device-detail" data-id={d.id}>
      <header className="card-head">
        <strong title={d.id}>{d.name}</strong>
        <LevelBadge level={d.risk.level} />
        <button type="button" className="secondary small-btn" onClick={() => void open(null)} aria-label="Close detail">
          ✕
        </button>
      </header>
      <Figures d={d} />
      <section aria-label="Risk reasons">
        <strong className="small">Why</strong>
        {d.risk.reasons.length ? (
          <ul className="small" data-testid="detail-reasons">
            {d.risk.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        ) : (
          <p className="small muted" data-testid="detail-state">
            {state.summary}
          </p>
        )}
        <p className="small muted" data-testid="detail-allowed">
          {state.allowedSentence}
        </p>
      </section>
      <History detail={detail} />
      <Actions d={d} />
      <details className="small">
        <summary>Details</summary>
        <dl className="figures">
          <dt>Device id</dt>
          <dd className="mono">{d.id}</dd>
        </dl>
      </details>
    </aside>
  );
}

function Figures({ d }: { d: AdminDeviceView }) {
  return (
    <dl className="figures small">
      <dt>User</dt>
      <dd>{d.user}</dd>
      <dt>Enrolled</dt>
      <dd>{dateTime(d.enrolledAt)}</dd>
      <dt>Last sync</dt>
      <dd>
        {dateTime(d.lastSyncAt)} ({formatDays(d.daysOffline)})
      </dd>
      <dt>Waiting to sync</dt>
      <dd>{count(d.pendingCount, 'item')}</dd>
      <dt>Dead letters</dt>
      <dd>{count(d.deadLetterCount, 'dead letter')}</dd>
      <dt>App</dt>
      <dd>{d.appVersion ?? '—'}</dd>
      <dt>Contracts</dt>
      <dd>
        {Object.entries(d.contractVersions)
          .map(([n, v]) => `${n}@${v}`)
          .join(', ') || '—'}
      </dd>
      <dt>Checkpoint</dt>
      <dd>audit seq {d.lastCheckpointSeq}</dd>
      {d.revoked && (
        <>
          <dt>Keys</dt>
          <dd>revoked</dd>
        </>
      )}
      {d.blocked && (
        <>
          <dt>Blocked</dt>
          <dd data-testid="blocked-reason">
            {dateTime(d.blockedAt)}: {d.blockedReason}
          </dd>
        </>
      )}
    </dl>
  );
}

function History({ detail }: { detail: Detail }) {
  // Oldest first for the chart; the server sends newest first.
  const history = [...detail.snapshots]
    .reverse()
    .map((s) => ({ day: s.day.slice(5), pending: s.pendingCount, level: levelRank(s.level), dead: s.deadLetterCount }));
  return (
    <section aria-label="Sync history">
      <strong className="small">History (daily snapshots, {count(detail.snapshots.length, 'day')})</strong>
      {history.length > 1 ? (
        <LineChart width={360} height={150} data={history} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#24324f" vertical={false} />
          <XAxis dataKey="day" stroke="#94a3b8" fontSize={11} />
          <YAxis yAxisId="n" stroke="#94a3b8" fontSize={11} allowDecimals={false} width={40} />
          <YAxis
            yAxisId="lvl"
            orientation="right"
            domain={[0, 3]}
            ticks={[0, 1, 2, 3]}
            tickFormatter={(v: number) => RISK_LEVELS[v] ?? ''}
            stroke="#94a3b8"
            fontSize={10}
            width={56}
          />
          <Tooltip
            contentStyle={{ background: '#111c33', border: '1px solid #24324f' }}
            formatter={(v, name) => (name === 'level' ? RISK_LEVELS[Number(v)] : v)}
          />
          <Line yAxisId="n" dataKey="pending" stroke="#38bdf8" dot={false} isAnimationActive={false} />
          <Line yAxisId="lvl" dataKey="level" stroke="#ef4444" type="stepAfter" dot={false} isAnimationActive={false} />
        </LineChart>
      ) : null}
      {/* One wrapping entry per day (no wide table: nothing hides behind a horizontal scroll). */}
      <ol className="snapshot-list small" data-testid="history">
        {detail.snapshots.slice(0, 14).map((s) => (
          <li key={s.day}>
            <dl>
              <dt>Day</dt>
              <dd>{s.day}</dd>
              <dt>Level</dt>
              <dd>{s.level}</dd>
              <dt>Pending</dt>
              <dd>{s.pendingCount}</dd>
              <dt>Dead</dt>
              <dd>{s.deadLetterCount}</dd>
              <dt>Last sync</dt>
              <dd>{dateTime(s.lastSyncAt)}</dd>
            </dl>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Actions({ d }: { d: AdminDeviceView }) {
  const ask = useAdmin((s) => s.ask);
  const actions: { action: AdminDeviceAction; label: string; danger?: boolean; show: boolean }[] = [
    { action: 'block', label: 'Block', danger: true, show: !d.blocked && !d.revoked },
    { action: 'unblock', label: 'Unblock', show: d.blocked && !d.revoked },
    { action: 'require-update', label: 'Require update', show: !d.updateRequired && !d.revoked },
    { action: 'clear-update', label: 'Clear update requirement', show: d.updateRequired && !d.revoked },
    { action: 'revoke', label: 'Revoke keys', danger: true, show: !d.revoked },
  ];
  return d.revoked ? (
    <p className="small muted">Keys revoked: the device must be enrolled again.</p>
  ) : (
    <div className="row-actions wrap" aria-label="Actions">
      {actions
        .filter((a) => a.show)
        .map((a) => (
          <button key={a.action} type="button" className={a.danger ? 'danger' : 'secondary'} onClick={() => ask({ device: d, action: a.action })}>
            {a.label}
          </button>
        ))}
    </div>
  );
}
