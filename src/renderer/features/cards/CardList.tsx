import type { VirtualItem } from '@tanstack/react-virtual';
import { useTranslation } from 'react-i18next';
import { cardList, cardRowKey, useCardList, type CardRow } from './cards-store';
import { dateTime } from '../../ui/format';
import { useVirtualPaging } from '../../ui/useVirtualPaging';
import { shortTime, type Scope } from '../team/team';
import { useNow } from '../team/hooks';
import { LaneBadge } from './LaneBadge';
import { noRunLabel } from './card-origin';
import { checksLine, emptyCardsText, isApprovalCheck } from './card-words';
import { Who } from '../../ui/Who';
import { useWorkflowWords } from '../runs/use-workflow-words';

const ROW = 56;

/**
 * Cards, one server page at a time as the reviewer scrolls; only visible rows are in the DOM. ↑/↓ (or
 * j/k) move. The tenant list (every device's cards, newest first) adds the device, the user and a
 * decision sent from here.
 */
export function CardList({ scope }: { scope: Scope }) {
  const { t } = useTranslation('cards');
  const { items, next, loadMore, loading, loaded, selectedIndex, filters } = useCardList(scope);
  const { cardSubject } = useWorkflowWords();
  const tenant = scope === 'tenant';
  const now = useNow(60_000);
  const { parent, rows, totalSize } = useVirtualPaging({ count: items.length, rowHeight: ROW, hasMore: !!next, loading, loadMore, selectedIndex });
  const testId = tenant ? 'team-card-list' : 'card-list';
  const list =
    items.length === 0 ? (
      <div className="card-list empty muted" data-testid={tenant ? testId : undefined}>
        {loading || (tenant && !loaded) ? t('list.loading') : emptyCardsText(filters)}
      </div>
    ) : (
      <div
        ref={parent}
        className="card-list"
        role="listbox"
        aria-label={t('list.label')}
        // The selected card, for screen readers (only while its row is rendered: the list is virtual).
        aria-activedescendant={selectedIndex !== null && rows.some((r) => r.index === selectedIndex) ? optionId(scope, selectedIndex) : undefined}
        tabIndex={0}
        data-testid={testId}
      >
        <div className="virtual-space" ref={(el) => el?.style.setProperty('height', `${totalSize}px`)}>
          {rows.map((it) => (
            <CardRowView
              key={cardRowKey(items[it.index]!)}
              scope={scope}
              row={items[it.index]!}
              it={it}
              selected={it.index === selectedIndex}
              now={now}
              subject={cardSubject}
            />
          ))}
        </div>
      </div>
    );
  if (!tenant) return list;
  return (
    <div className="team-list">
      <div className="team-card-row head" aria-hidden="true">
        <span>{t('list.head.lane')}</span>
        <span>{t('list.head.card')}</span>
        <span>{t('list.head.device')}</span>
        <span>{t('list.head.user')}</span>
        <span>{t('list.head.time')}</span>
      </div>
      {list}
    </div>
  );
}

const optionId = (scope: Scope, index: number): string => `card-option-${scope}-${index}`;

interface RowProps {
  scope: Scope;
  row: CardRow;
  it: VirtualItem;
  selected: boolean;
  now: number;
  /** The card's subject in the reader's language. */
  subject: (c: CardRow['card']) => string;
}

function CardRowView({ scope, row, it, selected, now, subject }: RowProps) {
  const { t } = useTranslation('cards');
  const { card: c, team } = row;
  // An approved card's approval check "failed" only until it was approved: the row says what is true.
  const failed = c.invariants.filter((i) => !i.pass);
  const held = failed.length === 0 || failed.every(isApprovalCheck);
  return (
    <div
      role="option"
      id={optionId(scope, it.index)}
      aria-selected={selected}
      className={`card-row${team ? ' team-card-row' : ''}${selected ? ' selected' : ''}`}
      data-testid={team ? 'team-card-row' : undefined}
      data-id={c.id}
      data-device={team?.device}
      data-local={team?.local}
      data-lane={c.lane}
      data-status={c.status}
      data-decision={team?.decision?.state}
      onClick={() => cardList(scope).getState().select(it.index)}
      ref={(el) => el?.style.setProperty('transform', `translateY(${it.start}px)`)}
    >
      <LaneBadge lane={c.lane} />
      <span className="card-subject">
        <strong>{subject(c)}</strong>
        <br />
        <span className="muted small">
          {c.stepId ?? (c.runId ? t('list.run') : noRunLabel(c.kind))} · {t(`status.${c.status}`)}
          {!held && <> · {checksLine(c)}</>}
          {team?.decision && <> · {t('list.decisionFromHere', { decision: team.decision.decision, state: team.decision.state })}</>}
        </span>
      </span>
      {team ? <TenantCells row={team} createdAt={c.createdAt} now={now} /> : <span className="muted small">{dateTime(c.createdAt)}</span>}
    </div>
  );
}

/** The tenant list's extra columns: device (this device tagged), user, and a short time. */
function TenantCells({ row: t, createdAt, now }: { row: NonNullable<CardRow['team']>; createdAt: string; now: number }) {
  return (
    <>
      <span className="cell-device small">
        <Who device={t.device} tagSelf />
      </span>
      <span className="cell-user small">{t.user}</span>
      <span className="muted small" title={dateTime(createdAt)}>
        {shortTime(createdAt, now)}
      </span>
    </>
  );
}
