import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import { count } from '../../ui/format';
import type { CardStats } from '../../../shared/workflow/views';
import { plainOf } from './card-words';
import { usePlainTexts } from './plain-texts-store';

/** Cards per lane per day (stacked), so reviewers see when RED decisions pile up. */
export function LaneChart({ stats }: { stats: CardStats }) {
  const texts = usePlainTexts();
  const data = stats.days.map((d) => ({ ...d, day: d.day.slice(5) }));
  return (
    <figure className="card chart" data-testid="lane-chart" aria-label="Cards per lane per day">
      <figcaption>Cards per lane, last {count(stats.days.length, 'day')}</figcaption>
      <BarChart width={520} height={170} data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="#24324f" vertical={false} />
        <XAxis dataKey="day" stroke="#94a3b8" fontSize={11} />
        <YAxis stroke="#94a3b8" fontSize={11} allowDecimals={false} width={40} />
        <Tooltip cursor={{ fill: '#1e2b47' }} contentStyle={{ background: '#111c33', border: '1px solid #24324f' }} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Bar dataKey="GREEN" stackId="l" fill="#22c55e" isAnimationActive={false} />
        <Bar dataKey="YELLOW" stackId="l" fill="#f59e0b" isAnimationActive={false} />
        <Bar dataKey="RED" stackId="l" fill="#ef4444" isAnimationActive={false} />
      </BarChart>
      {stats.failedInvariants.length > 0 && (
        <div className="small muted" data-testid="top-failed">
          Most often held or stopped by:
          <ul>
            {stats.failedInvariants.slice(0, 5).map((f) => (
              <li key={f.id} title={f.id} data-invariant={f.id}>
                {plainOf(f.id, texts).what} ({count(f.count, 'card')})
              </li>
            ))}
          </ul>
        </div>
      )}
    </figure>
  );
}
