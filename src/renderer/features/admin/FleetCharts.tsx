import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import { useTranslation } from 'react-i18next';
import { RISK_LEVELS, type RiskLevel } from '../../../shared/risk';
import { DAYS_SINCE_SYNC_BUCKETS, type RiskSummaryResponse } from '../../../shared/server-api';
import { ChartTable } from '../../ui/ChartTable';
import { useAdmin } from './admin-store';

const LEVEL_COLOR: Record<RiskLevel, string> = { low: '#22c55e', medium: '#f59e0b', high: '#f97316', critical: '#ef4444' };
const BUCKET_COLOR = ['#38bdf8', '#38bdf8', '#f59e0b', '#f97316', '#ef4444'];
const W = 340;
const H = 170;
// The charts' data keys and styles (not words).
const NAME = 'name';
const DEVICES = 'devices';
const POINTER = 'pointer';
const GRID = '#24324f';
const AXIS = '#94a3b8';
const CURSOR = { fill: '#1e2b47' };
const TOOLTIP = { background: '#111c33', border: `1px solid ${GRID}` };

/**
 * The fleet at a glance: devices per risk level (click a bar to filter the table) and a histogram
 * of days since each device's last sync. Counts come from the server's summary of the whole tenant,
 * not from the rows loaded in the table.
 */
export function FleetCharts({ summary }: { summary: RiskSummaryResponse }) {
  const { t } = useTranslation('admin');
  const { query, setQuery } = useAdmin();
  const levelWord = (l: unknown) => t(`level.${String(l)}`);
  const levels = RISK_LEVELS.map((l) => ({ name: l, devices: summary.levels[l] }));
  const days = DAYS_SINCE_SYNC_BUCKETS.map((b) => ({ name: b === '30+' ? '> 30' : b, devices: summary.daysSinceSync[b] }));
  const total = levels.reduce((n, l) => n + l.devices, 0);
  return (
    <div className="fleet-charts">
      <figure className="card chart" data-testid="risk-chart" aria-label={t('charts.riskLabel')}>
        <figcaption>
          {t('charts.riskTitle')}{' '}
          <span className="muted small">
            {summary.revoked ? t('charts.riskTotalRevoked', { total, revoked: summary.revoked }) : t('charts.riskTotal', { total })}
          </span>
        </figcaption>
        <BarChart width={W} height={H} data={levels} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey={NAME} stroke={AXIS} fontSize={12} tickFormatter={levelWord} />
          <YAxis stroke={AXIS} fontSize={11} allowDecimals={false} width={48} />
          <Tooltip cursor={CURSOR} contentStyle={TOOLTIP} labelFormatter={levelWord} />
          <Bar
            dataKey={DEVICES}
            name={t('charts.devices')}
            isAnimationActive={false}
            onClick={(d: { name?: string }) => void setQuery({ level: query.level === d.name ? undefined : (d.name as RiskLevel) })}
          >
            {levels.map((l) => (
              <Cell key={l.name} cursor={POINTER} fill={LEVEL_COLOR[l.name]} fillOpacity={query.level && query.level !== l.name ? 0.35 : 1} />
            ))}
          </Bar>
        </BarChart>
        <ul className="chart-legend small" aria-label={t('charts.levelLegend')}>
          {levels.map((l) => (
            <li key={l.name} data-level={l.name} data-count={l.devices}>
              {t('charts.levelItem', { level: levelWord(l.name), count: l.devices })}
            </li>
          ))}
        </ul>
        <ChartTable
          testId="risk-chart-table"
          caption={t('charts.riskLabel')}
          columns={[t('table.risk'), t('table.label')]}
          rows={levels.map((l) => ({ key: l.name, name: levelWord(l.name), values: [l.devices] }))}
        />
      </figure>
      <figure className="card chart" data-testid="days-chart" aria-label={t('charts.daysLabel')}>
        <figcaption>{t('charts.daysTitle')}</figcaption>
        <BarChart width={W} height={H} data={days} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID} vertical={false} />
          <XAxis dataKey={NAME} stroke={AXIS} fontSize={12} />
          <YAxis stroke={AXIS} fontSize={11} allowDecimals={false} width={48} />
          <Tooltip cursor={CURSOR} contentStyle={TOOLTIP} />
          <Bar dataKey={DEVICES} name={t('charts.devices')} isAnimationActive={false}>
            {days.map((d, i) => (
              <Cell key={d.name} fill={BUCKET_COLOR[i]} />
            ))}
          </Bar>
        </BarChart>
        <ul className="chart-legend small" aria-label={t('charts.bucketLegend')}>
          {DAYS_SINCE_SYNC_BUCKETS.map((b) => (
            <li key={b} data-bucket={b} data-count={summary.daysSinceSync[b]}>
              {t('charts.bucketItem', { bucket: b, count: summary.daysSinceSync[b] })}
            </li>
          ))}
        </ul>
        <ChartTable
          testId="days-chart-table"
          caption={t('charts.daysLabel')}
          columns={[t('charts.daysTitle'), t('table.label')]}
          rows={DAYS_SINCE_SYNC_BUCKETS.map((b, i) => ({ key: b, name: days[i]!.name, values: [summary.daysSinceSync[b]] }))}
        />
      </figure>
    </div>
  );
}
