import type { VirtualItem } from '@tanstack/react-virtual';
import { useVirtualPaging } from '../../ui/useVirtualPaging';
import type { AdminDeviceView } from '../../../shared/server-api';
import { MAX_ROWS, useAdmin } from './admin-store';
import { dateTime } from '../../ui/format';
import { LevelBadge } from './LevelBadge';

const ROW = 52;

function versions(d: AdminDeviceView): string {
  const cs = Object.entries(d.contractVersions).map(([n, v]) => `${n.split('.').pop()}@${v}`);
  return [d.appVersion ? `app ${d.appVersion}` : null, ...cs].filter(Boolean).join(' · ') || '—';
}

/**
 * The devices of the tenant, one server page (100) at a time as the user scrolls; only the rows on
 * screen are in the DOM, so a 100,000-device tenant scrolls like a small one.
 */
export function DevicesTable() {
  const { rows, total, nextCursor, loadMore, loading, detail } = useAdmin();
  const {
    parent,
    rows: visible,
    totalSize,
  } = useVirtualPaging({ count: rows.length, rowHeight: ROW, hasMore: !!nextCursor, loading, loadMore, overscan: 10, nearEnd: 30 });

  return (
    <div className="devices-table" role="table" aria-label="Devices" aria-rowcount={total + 1}>
      <div className="device-row head" role="row">
        <span role="columnheader">Risk</span>
        <span role="columnheader">Device / user</span>
        <span role="columnheader">Days offline</span>
        <span role="columnheader">Pending</span>
        <span role="columnheader">Dead</span>
        <span role="columnheader">Versions</span>
        <span role="columnheader">Reasons</span>
        <span role="columnheader">State</span>
      </div>
      {rows.length === 0 ? (
        <div className="outbox-empty muted">
          {loading ? 'Loading…' : 'No devices match. Clear the search to see every device; a device appears here once it is enrolled and has synced.'}
        </div>
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
        {rows.length.toLocaleString()} of {total.toLocaleString()} loaded
        {rows.length >= MAX_ROWS && nextCursor ? ' — narrow the filter to see more' : ''}
      </div>
    </div>
  );
}

function DeviceRow({ d, it, selected }: { d: AdminDeviceView; it: VirtualItem; selected: boolean }) {
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
      onKeyDown={(k) => k.key === 'Enter' && void open(d.id)}
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
      <span className="cell num" role="cell" title={`Last sync ${dateTime(d.lastSyncAt)}`}>
        {d.daysOffline.toFixed(1)}
      </span>
      <span className="cell num" role="cell">
        {d.pendingCount.toLocaleString()}
      </span>
      <span className="cell num" role="cell">
        {d.deadLetterCount.toLocaleString()}
      </span>
      <span className="cell small muted" role="cell" title={versions(d)}>
        {versions(d)}
      </span>
      <span className="cell small" role="cell" title={d.risk.reasons.join('\n')}>
        {d.risk.reasons[0] ?? <span className="muted">—</span>}
        {d.risk.reasons.length > 1 && <span className="muted"> (+{d.risk.reasons.length - 1})</span>}
      </span>
      <span className="cell small" role="cell">
        {d.revoked ? 'revoked' : d.blocked ? 'blocked' : d.updateRequired ? 'update required' : ''}
        {d.flagged && <span className="error"> flagged</span>}
      </span>
    </div>
  );
}
