import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { AdminDeviceAction } from '../../../shared/api/types';
import type { AdminDeviceDetailResponse, AdminDeviceView } from '../../../shared/server-api';
import { levelRank, RISK_LEVELS } from '../../../shared/risk';
import { useAdmin } from './admin-store';
import { dateTime, num } from '../../ui/format';
import { LevelBadge } from './LevelBadge';
import { boardDeviceState } from '../../../shared/risk/device-state';
import { useMessageText } from '../../ui/message';

type Detail = AdminDeviceDetailResponse;

// The history chart's data keys, axes and colours (not words).
const DAY = 'day';
const PENDING = 'pending';
const LEVEL = 'level';
const COUNT_AXIS = 'n';
const LEVEL_AXIS = 'lvl';
const RIGHT = 'right';
const STEP = 'stepAfter';
const GRID = '#24324f';
const AXIS = '#94a3b8';
const TOOLTIP = { background: '#111c33', border: `1px solid ${GRID}` };
/** The close button's glyph (its name is the aria-label). */
const CLOSE = '✕';

/**
 * "{when} (57 days)" / "(7.1 days)": days as shared/risk roundDays counts them (whole days, else
 * rounded up to a tenth), in the language in use.
 */
function lastSyncText(t: TFunction<'admin'>, when: string, days: number): string {
  const n = Math.ceil(days * 10) / 10;
  return t('detail.lastSyncValue', { when, n, days: num(n, { maximumFractionDigits: 1, useGrouping: false }) });
}

/** One device: why it is at risk, what it runs, its daily history, and the admin actions. */
export function DeviceDetail() {
  const { t } = useTranslation('admin');
  const text = useMessageText();
  const { detail, detailError, open } = useAdmin();
  if (detailError)
    return (
      <aside className="card device-detail" aria-label={t('detail.label')}>
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
    <aside className="card device-detail stack" aria-label={t('detail.label')} data-testid="device-detail" data-id={d.id}>
      <header className="card-head">
        <strong title={d.id}>{d.name}</strong>
        <LevelBadge level={d.risk.level} />
        <button type="button" className="secondary small-btn" onClick={() => void open(null)} aria-label={t('detail.close')}>
          {CLOSE}
        </button>
      </header>
      <Figures d={d} />
      <section aria-label={t('detail.reasons')}>
        <strong className="small">{t('detail.why')}</strong>
        {d.risk.reasons.length ? (
          <ul className="small" data-testid="detail-reasons">
            {d.risk.reasons.map((r, i) => (
              <li key={i}>{text(r)}</li>
            ))}
          </ul>
        ) : (
          <p className="small muted" data-testid="detail-state">
            {state.summary.map(text).join(' ')}
          </p>
        )}
        <p className="small muted" data-testid="detail-allowed">
          {state.allowedSentence.map(text).join(' ')}
        </p>
      </section>
      <History detail={detail} />
      <Actions d={d} />
      <details className="small">
        <summary>{t('detail.details')}</summary>
        <dl className="figures">
          <dt>{t('detail.deviceId')}</dt>
          <dd className="mono">{d.id}</dd>
        </dl>
      </details>
    </aside>
  );
}

function Figures({ d }: { d: AdminDeviceView }) {
  const { t } = useTranslation('admin');
  return (
    <dl className="figures small">
      <dt>{t('detail.user')}</dt>
      <dd>{d.user}</dd>
      <dt>{t('detail.enrolled')}</dt>
      <dd>{dateTime(d.enrolledAt)}</dd>
      <dt>{t('detail.lastSync')}</dt>
      <dd>{lastSyncText(t, dateTime(d.lastSyncAt), d.daysOffline)}</dd>
      <dt>{t('detail.waiting')}</dt>
      <dd>{t('detail.items', { n: d.pendingCount })}</dd>
      <dt>{t('detail.deadLetters')}</dt>
      <dd>{t('detail.deadLettersValue', { n: d.deadLetterCount })}</dd>
      <dt>{t('detail.app')}</dt>
      <dd>{d.appVersion ?? '—'}</dd>
      <dt>{t('detail.contracts')}</dt>
      <dd>
        {Object.entries(d.contractVersions)
          .map(([n, v]) => `${n}@${v}`)
          .join(', ') || '—'}
      </dd>
      <dt>{t('detail.checkpoint')}</dt>
      <dd>{t('detail.checkpointValue', { seq: d.lastCheckpointSeq })}</dd>
      {d.revoked && (
        <>
          <dt>{t('detail.keys')}</dt>
          <dd>{t('detail.keysRevoked')}</dd>
        </>
      )}
      {d.blocked && (
        <>
          <dt>{t('detail.blocked')}</dt>
          <dd data-testid="blocked-reason">{t('detail.blockedValue', { when: dateTime(d.blockedAt), reason: d.blockedReason ?? '' })}</dd>
        </>
      )}
    </dl>
  );
}

function History({ detail }: { detail: Detail }) {
  const { t } = useTranslation('admin');
  const levelWord = (rank: number) => (RISK_LEVELS[rank] ? t(`level.${RISK_LEVELS[rank]}`) : '');
  // Oldest first for the chart; the server sends newest first.
  const history = [...detail.snapshots]
    .reverse()
    .map((s) => ({ day: s.day.slice(5), pending: s.pendingCount, level: levelRank(s.level), dead: s.deadLetterCount }));
  return (
    <section aria-label={t('detail.history')}>
      <strong className="small">{t('detail.historyTitle', { n: detail.snapshots.length })}</strong>
      {history.length > 1 ? (
        <LineChart width={360} height={150} data={history} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey={DAY} stroke={AXIS} fontSize={11} />
          <YAxis yAxisId={COUNT_AXIS} stroke={AXIS} fontSize={11} allowDecimals={false} width={40} />
          <YAxis
            yAxisId={LEVEL_AXIS}
            orientation={RIGHT}
            domain={[0, 3]}
            ticks={[0, 1, 2, 3]}
            tickFormatter={(v: number) => levelWord(v)}
            stroke={AXIS}
            fontSize={10}
            width={56}
          />
          <Tooltip contentStyle={TOOLTIP} formatter={(v, _name, item) => (item.dataKey === LEVEL ? levelWord(Number(v)) : v)} />
          <Line yAxisId={COUNT_AXIS} dataKey={PENDING} name={t('detail.pendingSeries')} stroke="#38bdf8" dot={false} isAnimationActive={false} />
          <Line yAxisId={LEVEL_AXIS} dataKey={LEVEL} name={t('detail.levelSeries')} stroke="#ef4444" type={STEP} dot={false} isAnimationActive={false} />
        </LineChart>
      ) : null}
      {/* One wrapping entry per day (no wide table: nothing hides behind a horizontal scroll). */}
      <ol className="snapshot-list small" data-testid="history">
        {detail.snapshots.slice(0, 14).map((s) => (
          <li key={s.day}>
            <dl>
              <dt>{t('detail.day')}</dt>
              <dd>{s.day}</dd>
              <dt>{t('detail.level')}</dt>
              <dd>{t(`level.${s.level}`)}</dd>
              <dt>{t('detail.pending')}</dt>
              <dd>{s.pendingCount}</dd>
              <dt>{t('detail.dead')}</dt>
              <dd>{s.deadLetterCount}</dd>
              <dt>{t('detail.lastSync')}</dt>
              <dd>{dateTime(s.lastSyncAt)}</dd>
            </dl>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Actions({ d }: { d: AdminDeviceView }) {
  const { t } = useTranslation('admin');
  const ask = useAdmin((s) => s.ask);
  // Button labels: action.<action>.
  const actions: { action: AdminDeviceAction; danger?: boolean; show: boolean }[] = [
    { action: 'block', danger: true, show: !d.blocked && !d.revoked },
    { action: 'unblock', show: d.blocked && !d.revoked },
    { action: 'require-update', show: !d.updateRequired && !d.revoked },
    { action: 'clear-update', show: d.updateRequired && !d.revoked },
    { action: 'revoke', danger: true, show: !d.revoked },
  ];
  return d.revoked ? (
    <p className="small muted">{t('detail.revokedNote')}</p>
  ) : (
    <div className="row-actions wrap" aria-label={t('detail.actions')}>
      {actions
        .filter((a) => a.show)
        .map((a) => (
          <button key={a.action} type="button" className={a.danger ? 'danger' : 'secondary'} onClick={() => ask({ device: d, action: a.action })}>
            {t(`action.${a.action}`)}
          </button>
        ))}
    </div>
  );
}
