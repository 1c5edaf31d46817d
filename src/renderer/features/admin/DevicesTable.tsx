import type { VirtualItem } from '@tanstack/react-virtual';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useVirtualPaging } from '../../ui/useVirtualPaging';
import type { AdminDeviceView } from '../../../shared/server-api';
import { MAX_ROWS, useAdmin } from './admin-store';
import { dateTime, num } from '../../ui/format';
import { LevelBadge } from './LevelBadge';
import { useMessageText } from '../../ui/message';

const ROW = 52;

function versions(t: TFunction<'admin'>, d: AdminDeviceView): string {
  const cs = Object.entries(d.contractVersions).map(([n, v]) => `${n.split('.').pop()}@${v}`);
  return [d.appVersion ? t('table.app', { version: d.appVersion }) : null, ...cs].filter(Boolean).join(' · ') || '—';
}

/**
 * The devices of the tenant, one server page (100) at a time as the user scrolls; only the rows on
 * screen are in the DOM, so a 100,000-device tenant scrolls like a small one.
 */
export function DevicesTable() {
  const { t } = useTranslation('admin');
  const { rows, total, nextCursor, loadMore, loading, detail } = useAdmin();
  const {
    parent,
    rows: visible,
    totalSize,
  } = useVirtualPaging({ count: rows.length, rowHeight: ROW, hasMore: !!nextCursor, loading, loadMore, overscan: 10, nearEnd: 30 });

  return (
    <div className="devices-table" role="table" aria-label={t('table.label')} aria-rowcount={total + 1}>
      <div className="device-row head" role="row">
        <span role="columnheader">{t('table.risk')}</span>
        <span role="columnheader">{t('table.device')}</span>
        <span role="columnheader">{t('table.daysOffline')}</span>
        <span role="columnheader">{t('table.pending')}</span>
        <span role="columnheader">{t('table.dead')}</span>
        <span role="columnheader">{t('table.versions')}</span>
        <span role="columnheader">{t('table.reasons')}</span>
        <span role="columnheader">{t('table.state')}</span>
      </div>
      {rows.length === 0 ? (
        <div className="outbox-empty muted">{loading ? t('table.loading') : t('table.empty')}</div>
      ) : (
        <div ref={parent} className="devices-scroll" role="rowgroup" data-testid="devices-scroll">
          <div className="virtual-space" ref={(el) => el?.style.setProperty('height', `${totalSize}px`)}>
            {visible.map((it) => (
              <DeviceRow key={rows[it.index]!.id} d={rows[it.index]!} it={it} selected={detail?.device.id === rows[it.index]!.id} />
            ))}
          </div>
        </div>
      )}
      <div className="devices-foot muted small" data-testid="devices-count">
        {t(rows.length >= MAX_ROWS && nextCursor ? 'table.loadedMax' : 'table.loaded', { shown: rows.length, total })}
      </div>
    </div>
  );
}

function DeviceRow({ d, it, selected }: { d: AdminDeviceView; it: VirtualItem; selected: boolean }) {
  const { t } = useTranslation('admin');
  const text = useMessageText();
  const reasons = d.risk.reasons.map(text);
  const open = useAdmin((s) => s.open);
  return (
    <div
      role="row"
      aria-rowindex={it.index + 2}
      aria-selected={selected}
      className={`device-row level-row-${d.risk.level}${selected ? ' selected' : ''}`}
      data-id={d.id}
      data-level={d.risk.level}
      tabIndex={0}
      onClick={() => void open(d.id)}
      onKeyDown={(k) => {
        // Enter or Space opens the row, as on a button (Space without scrolling the list).
        if (k.key !== 'Enter' && k.key !== ' ') return;
        k.preventDefault();
        void open(d.id);
      }}
      ref={(el) => el?.style.setProperty('transform', `translateY(${it.start}px)`)}
    >
      <span className="cell" role="cell">
        <LevelBadge level={d.risk.level} />
      </span>
      <span className="cell" role="cell" title={d.id}>
        <strong>{d.name}</strong>
        <br />
        <span className="muted small">{d.user}</span>
      </span>
      <span className="cell num" role="cell" title={t('table.lastSync', { when: dateTime(d.lastSyncAt) })}>
        {num(d.daysOffline, { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false })}
      </span>
      <span className="cell num" role="cell">
        {num(d.pendingCount)}
      </span>
      <span className="cell num" role="cell">
        {num(d.deadLetterCount)}
      </span>
      <span className="cell small muted" role="cell" title={versions(t, d)}>
        {versions(t, d)}
      </span>
      <span className="cell small" role="cell" title={reasons.join('\n')}>
        {reasons[0] ?? <span className="muted">—</span>}
        {reasons.length > 1 && <span className="muted"> (+{reasons.length - 1})</span>}
      </span>
      <span className="cell small" role="cell">
        {d.revoked ? t('table.revoked') : d.blocked ? t('table.blocked') : d.updateRequired ? t('table.updateRequired') : ''}
        {d.flagged && <span className="error"> {t('table.flagged')}</span>}
      </span>
    </div>
  );
}
