import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useTranslation } from 'react-i18next';
import { dateTime } from '../../ui/format';
import { useAudit } from './audit-store';
import { Named, Who } from '../../ui/Who';

const ROW = 44;

const rowClass = (selected: boolean, broken: boolean): string => ['audit-row', selected ? 'selected' : '', broken ? 'broken' : ''].join(' ');

export function AuditList() {
  const { t } = useTranslation('audit');
  const { entries, select, selected, loadMore, nextBeforeSeq, verify } = useAudit();
  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: entries.length, getScrollElement: () => parent.current, estimateSize: () => ROW, overscan: 12 });
  const items = v.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= entries.length - 20 && nextBeforeSeq) void loadMore();
  }, [last, entries.length, nextBeforeSeq, loadMore]);
  const badSeq = verify && !verify.valid ? verify.firstBad?.seq : undefined;

  if (entries.length === 0) return <div className="audit-list empty muted empty-state">{t('list.empty')}</div>;
  return (
    <div ref={parent} className="audit-list" role="list" aria-label={t('list.label')}>
      <div className="virtual-space" ref={(el) => el?.style.setProperty('height', `${v.getTotalSize()}px`)}>
        {items.map((it) => {
          const e = entries[it.index]!;
          const cls = rowClass(selected?.seq === e.seq, badSeq === e.seq);
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
              <span className="ts muted">{dateTime(e.ts)}</span>
              {badSeq === e.seq && <span className="badge badge-error">{t('list.broken')}</span>}
            </div>
          );
        })}
      </div>
    </div>
  );
}
