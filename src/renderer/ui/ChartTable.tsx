import { useTranslation } from 'react-i18next';
import { num } from './format';

export interface ChartTableProps {
  /** What the table shows (its caption), e.g. "Devices per risk level". */
  caption: string;
  /** Column headings; the first names the row (a level, a day). */
  columns: readonly string[];
  /** One row per bar or group: its name, then one number per further column. */
  rows: readonly { key: string; name: string; values: readonly number[] }[];
  testId?: string;
}

/**
 * The table alternative every chart carries (issue 21, accessibility): the same numbers as rows and
 * columns, behind a disclosure, for screen readers, keyboard users and anyone who needs the exact
 * figures rather than bar lengths and colours.
 */
export function ChartTable({ caption, columns, rows, testId }: ChartTableProps) {
  const { t } = useTranslation('ui');
  return (
    <details className="chart-table small" data-testid={testId}>
      <summary>{t('chartTable.show')}</summary>
      <table>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={c} scope="col" className={i === 0 ? undefined : 'num'}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-row={r.key}>
              <th scope="row">{r.name}</th>
              {r.values.map((v, i) => (
                <td key={columns[i + 1] ?? i} className="num">
                  {num(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
