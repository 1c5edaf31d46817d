import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCards } from './cards-store';
import { dateTime } from '../../ui/format';
import { LaneBadge } from './LaneBadge';
import { noRunLabel } from './card-origin';

const ROW = 56;

/** Cards, one server page at a time as the reviewer scrolls; only visible rows are in the DOM. ↑/↓ (or j/k) move. */
export function CardList() {
  const { cards, nextCursor, loadMore, loading, selectedIndex, select } = useCards();
  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: cards.length, getScrollElement: () => parent.current, estimateSize: () => ROW, overscan: 12 });
  const items = v.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= cards.length - 40 && nextCursor && !loading) void loadMore();
  }, [last, cards.length, nextCursor, loading, loadMore]);
  useEffect(() => {
    if (selectedIndex >= 0) v.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, v]);

  if (cards.length === 0) return <div className="card-list empty muted">{loading ? 'Loading…' : 'No cards match.'}</div>;
  return (
    <div ref={parent} className="card-list" role="listbox" aria-label="Decision cards" tabIndex={-1} data-testid="card-list">
      <div className="virtual-space" ref={(el) => el?.style.setProperty('height', `${v.getTotalSize()}px`)}>
        {items.map((it) => {
          const c = cards[it.index]!;
          const failed = c.invariants.filter((i) => !i.pass).length;
          return (
            <div
              key={c.id}
              role="option"
              aria-selected={it.index === selectedIndex}
              className={`card-row${it.index === selectedIndex ? ' selected' : ''}`}
              data-id={c.id}
              data-lane={c.lane}
              data-status={c.status}
              onClick={() => select(it.index)}
              ref={(el) => el?.style.setProperty('transform', `translateY(${it.start}px)`)}
            >
              <LaneBadge lane={c.lane} />
              <span className="card-subject">
                <strong>{c.subject}</strong>
                <br />
                <span className="muted small">
                  {c.stepId ?? (c.runId ? 'run' : noRunLabel(c.kind))} · {c.status.replace('_', ' ')}
                  {failed ? ` · ${failed} invariant${failed > 1 ? 's' : ''} failed` : ''}
                </span>
              </span>
              <span className="muted small">{dateTime(c.createdAt)}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
