import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useTeamCards } from './team-cards-store';
import { dateTime } from '../../ui/format';
import { cardKey, shortTime } from './team';
import { LaneBadge } from '../cards/LaneBadge';
import { noRunLabel } from '../cards/card-origin';
import { useNow } from './hooks';

const ROW = 56;

/** Cards of every device of the tenant, newest first, a page at a time as the reviewer scrolls; only visible rows are in the DOM. */
export function TeamCardList() {
  const { items, nextBefore, loadMore, loading, loaded, selectedIndex, select } = useTeamCards();
  const now = useNow(60_000);
  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: items.length, getScrollElement: () => parent.current, estimateSize: () => ROW, overscan: 12 });
  const rows = v.getVirtualItems();
  const last = rows[rows.length - 1];
  useEffect(() => {
    if (last && last.index >= items.length - 40 && nextBefore && !loading) void loadMore();
  }, [last, items.length, nextBefore, loading, loadMore]);
  useEffect(() => {
    if (selectedIndex >= 0) v.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, v]);

  return (
    <div className="team-list">
      <div className="team-card-row head" aria-hidden="true">
        <span>Lane</span>
        <span>Card</span>
        <span>Device</span>
        <span>User</span>
        <span>Time</span>
      </div>
      {items.length === 0 ? (
        <div className="card-list empty muted" data-testid="team-card-list">
          {loading || !loaded ? 'Loading…' : 'No cards match.'}
        </div>
      ) : (
        <div ref={parent} className="card-list" role="listbox" aria-label="Decision cards" tabIndex={-1} data-testid="team-card-list">
          <div className="virtual-space" ref={(el) => el?.style.setProperty('height', `${v.getTotalSize()}px`)}>
            {rows.map((it) => {
              const t = items[it.index]!;
              const c = t.card;
              const failed = c.invariants.filter((i) => !i.pass).length;
              return (
                <div
                  key={cardKey(t)}
                  role="option"
                  aria-selected={it.index === selectedIndex}
                  className={`card-row team-card-row${it.index === selectedIndex ? ' selected' : ''}`}
                  data-testid="team-card-row"
                  data-id={c.id}
                  data-device={t.device}
                  data-local={t.local}
                  data-lane={c.lane}
                  data-status={c.status}
                  data-decision={t.decision?.state}
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
                      {t.decision ? ` · ${t.decision.decision} from here: ${t.decision.state}` : ''}
                    </span>
                  </span>
                  <span className="cell-device small">
                    <span className="mono">{t.device}</span>
                    {t.local && (
                      <>
                        <br />
                        <span className="tag">this device</span>
                      </>
                    )}
                  </span>
                  <span className="cell-user small">{t.user}</span>
                  <span className="muted small" title={dateTime(c.createdAt)}>
                    {shortTime(c.createdAt, now)}
                  </span>
                </div>
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}
