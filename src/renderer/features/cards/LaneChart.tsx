import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { CardStats } from '../../../shared/workflow/views';
import { LANES } from '../../../shared/workflow/types';
import { ChartTable } from '../../ui/ChartTable';
import { plainOf } from './card-words';
import { usePlainTexts } from './plain-texts-store';

// The chart's data keys, stack and colours (not words: the lanes keep their names, GREEN / YELLOW / RED).
const DAY = 'day';
const STACK = 'l';
const LANE_FILL = { GREEN: '#22c55e', YELLOW: '#f59e0b', RED: '#ef4444' } as const;
const GRID = '#24324f';
const AXIS = '#94a3b8';
const CURSOR = { fill: '#1e2b47' };
const TOOLTIP = { background: '#111c33', border: `1px solid ${GRID}` };

/** Cards per lane per day (stacked), so reviewers see when RED decisions pile up. */
export function LaneChart({ stats }: { stats: CardStats }) {
  const { t } = useTranslation('cards');
  const texts = usePlainTexts();
  const data = stats.days.map((d) => ({ ...d, day: d.day.slice(5) }));
  return (
    <figure className="card chart" data-testid="lane-chart" aria-label={t('chart.label')}>
      <figcaption>{t('chart.caption', { n: stats.days.length })}</figcaption>
      <BarChart width={520} height={170} data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid stroke={GRID} vertical={false} />
        <XAxis dataKey={DAY} stroke={AXIS} fontSize={11} />
        <YAxis stroke={AXIS} fontSize={11} allowDecimals={false} width={40} />
        <Tooltip cursor={CURSOR} contentStyle={TOOLTIP} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {LANES.map((l) => (
          <Bar key={l} dataKey={l} stackId={STACK} fill={LANE_FILL[l]} isAnimationActive={false} />
        ))}
      </BarChart>
      <ChartTable
        testId="lane-chart-table"
        caption={t('chart.label')}
        columns={[t('chart.day'), ...LANES]}
        rows={stats.days.map((d) => ({ key: d.day, name: d.day, values: LANES.map((l) => d[l]) }))}
      />
      {stats.failedInvariants.length > 0 && (
        <div className="small muted" data-testid="top-failed">
          {t('chart.topFailed')}
          <ul>
            {stats.failedInvariants.slice(0, 5).map((f) => (
              <li key={f.id} title={f.id} data-invariant={f.id}>
                {t('chart.failedItem', { what: plainOf(f.id, texts).what, n: f.count })}
              </li>
            ))}
          </ul>
        </div>
      )}
    </figure>
  );
}
