import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useAudit } from './audit-store';
import { Named, Who } from '../../ui/Who';

const ROW = 44;

export function AuditList() {
  const { entries, select, selected, loadMore, nextBeforeSeq, verify } = useAudit();
  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: entries.length, getScrollElement: () => parent.current, estimateSize: () => ROW, overscan: 12 });
  const items = v.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= entries.length - 20 && nextBeforeSeq) void loadMore();
  }, [last, entries.length, nextBeforeSeq, loadMore]);
  const badSeq = verify && !verify.valid ? verify.firstBad?.seq : undefined;

  if (entries.length === 0)
    return <div className="audit-list empty muted empty-state">No audit entries match these filters. Clear the filters to see every entry.</div>;
  return (
    <div ref={parent} className="audit-list" role="list" aria-label="Audit entries">
      <div className="virtual-space" ref={(el) => el?.style.setProperty('height', `${v.getTotalSize()}px`)}>
        {items.map((it) => {
          const e = entries[it.index]!;
          const cls = ['audit-row', selected?.seq === e.seq ? 'selected' : '', badSeq === e.seq ? 'broken' : ''].join(' ');
          return (
            <div
              key={e.seq}
              role="listitem"
              data-seq={e.seq}
              className={cls}
              ref={(el) => el?.style.setProperty('transform', `translateY(${it.start}px)`)}
              onClick={() => select(e)}
              tabIndex={0}
              onKeyDown={(k) => k.key === 'Enter' && select(e)}
            >
              <span className="seq">#{e.seq}</span>
              <span className="action">{e.action}</span>
              <span className="subject">
                <Named text={e.subject} />
              </span>
              <span className="actor muted">
                <Who actor={e.actor} />
              </span>
              <span className="ts muted">{new Date(e.ts).toLocaleString()}</span>
              {badSeq === e.seq && <span className="badge badge-error">broken</span>}
            </div>
          );
        })}
      </div>
    </div>
  );
}
