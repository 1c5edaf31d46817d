import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { OutboxItem } from '../../../shared/api/types';
import { useOutbox } from './outbox-store';
import { dateTime } from '../../ui/format';
import { OutboxStateBadge } from './OutboxStateBadge';
import { emptyOutboxText, outboxProblem } from './outbox-words';
import { Named } from '../../ui/Who';
import { storedErrorText } from '../../ui/error-words';

const ROW = 48;

function Receipt({ item }: { item: OutboxItem }) {
  const { t } = useTranslation('outbox');
  let text = '—';
  let cls = 'muted';
  if (item.receiptVerified) {
    text = t('receipt.verified', { seq: item.serverSeq ?? '?' });
    cls = 'ok';
  } else if (item.state === 'acked') {
    text = t('receipt.unverified');
    cls = 'error';
  } else if (item.state === 'queued') text = t('receipt.pending');
  return (
    <span
      className={`cell receipt ${cls}`}
      role="cell"
      data-testid={`receipt-${item.id}`}
      title={item.receiptId ? t('receipt.title', { id: item.receiptId }) : undefined}
    >
      {text}
    </span>
  );
}

/** What went wrong and what to do, in words; the stored error itself (in words too, its code on it) under Details. */
function Problem({ item }: { item: OutboxItem }) {
  const { t } = useTranslation('outbox');
  const w = outboxProblem(item);
  if (!w)
    return (
      <span className="cell problem muted" role="cell">
        —
      </span>
    );
  return (
    <span className={item.state === 'dead' ? 'cell problem error' : 'cell problem'} role="cell" data-testid="outbox-problem">
      <span data-testid="outbox-problem-what">{w.what}</span>
      {w.next && <span className="muted"> {w.next}</span>}
      {item.lastError && (
        <details className="plain-details">
          <summary>{t('details')}</summary>
          <span className="mono small" data-code={typeof item.lastError === 'string' ? undefined : item.lastError.code}>
            {storedErrorText(item.lastError)}
          </span>
        </details>
      )}
    </span>
  );
}

function Actions({ item }: { item: OutboxItem }) {
  const { t } = useTranslation('outbox');
  const { retry, askDiscard } = useOutbox();
  if (item.state !== 'dead' && item.state !== 'blocked') return <span className="cell" role="cell" />;
  return (
    <span className="cell row-actions" role="cell">
      <button type="button" className="secondary small-btn" onClick={() => void retry(item.id)}>
        {t('table.retry')}
      </button>
      <button type="button" className="danger small-btn" onClick={() => askDiscard(item)}>
        {t('table.discard')}
      </button>
    </span>
  );
}

/** Outbox items, newest first, virtualized (rows grow to fit a blocked item's instructions). */
export function OutboxTable() {
  const { t } = useTranslation('outbox');
  const { items, loadMore, nextBeforeId, loading, filter } = useOutbox();
  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: items.length, getScrollElement: () => parent.current, estimateSize: () => ROW, overscan: 12 });
  const rows = v.getVirtualItems();
  const last = rows[rows.length - 1];
  useEffect(() => {
    if (last && last.index >= items.length - 20 && nextBeforeId) void loadMore();
  }, [last, items.length, nextBeforeId, loadMore]);

  return (
    <div className="outbox-table" role="table" aria-label={t('table.label')} aria-rowcount={items.length + 1}>
      <div className="outbox-row head" role="row">
        <span role="columnheader">{t('table.state')}</span>
        <span role="columnheader">{t('table.item')}</span>
        <span role="columnheader">{t('table.created')}</span>
        <span role="columnheader">{t('table.attempts')}</span>
        <span role="columnheader">{t('table.problem')}</span>
        <span role="columnheader">{t('table.receipt')}</span>
        <span role="columnheader">
          <span className="sr-only">{t('table.actions')}</span>
        </span>
      </div>
      {items.length === 0 ? (
        <div className="outbox-empty muted">{loading ? t('table.loading') : emptyOutboxText(filter)}</div>
      ) : (
        <div ref={parent} className="outbox-scroll" role="rowgroup">
          <div className="virtual-space" ref={(el) => el?.style.setProperty('height', `${v.getTotalSize()}px`)}>
            {rows.map((r) => {
              const item = items[r.index]!;
              return (
                <div
                  key={item.id}
                  role="row"
                  aria-rowindex={r.index + 2}
                  className={`outbox-row state-row-${item.state}`}
                  data-index={r.index}
                  data-id={item.id}
                  data-state={item.state}
                  ref={(el) => {
                    if (!el) return;
                    el.style.setProperty('transform', `translateY(${r.start}px)`);
                    v.measureElement(el);
                  }}
                >
                  <span className="cell" role="cell">
                    <OutboxStateBadge state={item.state} />
                  </span>
                  <span className="cell summary" role="cell" title={item.summary}>
                    <Named text={item.summary} />
                  </span>
                  <span className="cell muted" role="cell">
                    {dateTime(item.createdAt)}
                  </span>
                  <span className="cell num" role="cell">
                    {item.attempts}
                  </span>
                  <Problem item={item} />
                  <Receipt item={item} />
                  <Actions item={item} />
                </div>
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}
