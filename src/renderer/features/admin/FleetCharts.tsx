import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import { count } from '../../ui/format';
import { RISK_LEVELS, type RiskLevel } from '../../../shared/risk';
import { DAYS_SINCE_SYNC_BUCKETS, type RiskSummaryResponse } from '../../../shared/server-api';
import { useAdmin } from './admin-store';

const LEVEL_COLOR: Record<RiskLevel, string> = { low: '#22c55e', medium: '#f59e0b', high: '#f97316', critical: '#ef4444' };
const BUCKET_COLOR = ['#38bdf8', '#38bdf8', '#f59e0b', '#f97316', '#ef4444'];
const W = 340;
const H = 170;

/**
 * The fleet at a glance: devices per risk level (click a bar to filter the table) and a histogram
 * of days since each device's last sync. Counts come from the server's summary of the whole tenant,
 * not from the rows loaded in the table.
 */
export function FleetCharts({ summary }: { summary: RiskSummaryResponse }) {
  const { query, setQuery } = useAdmin();
  const levels = RISK_LEVELS.map((l) => ({ name: l, devices: summary.levels[l] }));
  const days = DAYS_SINCE_SYNC_BUCKETS.map((b) => ({ name: b === '30+' ? '> 30' : b, devices: summary.daysSinceSync[b] }));
  const total = levels.reduce((n, l) => n + l.devices, 0);
  return (
    <div className="fleet-charts">
      <figure className="card chart" data-testid="risk-chart" aria-label="Devices per risk level">
        <figcaption>
          Risk distribution{' '}
          <span className="muted small">
            ({count(total, 'device')}
            {summary.revoked ? `, ${summary.revoked} revoked` : ''})
          </span>
        </figcaption>
        <BarChart width={W} height={H} data={levels} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#24324f" vertical={false} />
          <XAxis dataKey="name" stroke="#94a3b8" fontSize={12} />
          <YAxis stroke="#94a3b8" fontSize={11} allowDecimals={false} width={48} />
          <Tooltip cursor={{ fill: '#1e2b47' }} contentStyle={{ background: '#111c33', border: '1px solid #24324f' }} />
          <Bar
            dataKey="devices"
            isAnimationActive={false}
            onClick={(d: { name?: string }) => void setQuery({ level: query.level === d.name ? undefined : (d.name as RiskLevel) })}
          >
            {levels.map((l) => (
              <Cell key={l.name} cursor="pointer" fill={LEVEL_COLOR[l.name]} fillOpacity={query.level && query.level !== l.name ? 0.35 : 1} />
            ))}
          </Bar>
        </BarChart>
        <ul className="chart-legend small" aria-label="Devices per level">
          {levels.map((l) => (
            <li key={l.name} data-level={l.name} data-count={l.devices}>
              {l.name}: {l.devices.toLocaleString()}
            </li>
          ))}
        </ul>
      </figure>
      <figure className="card chart" data-testid="days-chart" aria-label="Devices by days since last sync">
        <figcaption>Days since last sync</figcaption>
        <BarChart width={W} height={H} data={days} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#24324f" vertical={false} />
          <XAxis dataKey="name" stroke="#94a3b8" fontSize={12} />
          <YAxis stroke="#94a3b8" fontSize={11} allowDecimals={false} width={48} />
          <Tooltip cursor={{ fill: '#1e2b47' }} contentStyle={{ background: '#111c33', border: '1px solid #24324f' }} />
          <Bar dataKey="devices" isAnimationActive={false}>
            {days.map((d, i) => (
              <Cell key={d.name} fill={BUCKET_COLOR[i]} />
            ))}
          </Bar>
        </BarChart>
        <ul className="chart-legend small" aria-label="Devices per days-since-sync bucket">
          {DAYS_SINCE_SYNC_BUCKETS.map((b) => (
            <li key={b} data-bucket={b} data-count={summary.daysSinceSync[b]}>
              {b} d: {summary.daysSinceSync[b].toLocaleString()}
            </li>
          ))}
        </ul>
      </figure>
    </div>
  );
}
