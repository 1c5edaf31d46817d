// The virtualised list every paged list uses: only visible rows are in the DOM, the next page loads
// as the last rows come into view, and the selected row is scrolled into view.
import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';

interface Options {
  count: number;
  rowHeight: number;
  hasMore: boolean;
  loading: boolean;
  loadMore(): Promise<void>;
  /** The row scrolled into view (-1: none). */
  selectedIndex?: number;
  /** Rows rendered beyond the visible ones. */
  overscan?: number;
  /** Rows from the end at which the next page is asked for. */
  nearEnd?: number;
}

export function useVirtualPaging({ count, rowHeight, hasMore, loading, loadMore, selectedIndex = -1, overscan = 12, nearEnd = 40 }: Options) {
  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count, getScrollElement: () => parent.current, estimateSize: () => rowHeight, overscan });
  const rows = v.getVirtualItems();
  const last = rows[rows.length - 1];
  useEffect(() => {
    if (last && last.index >= count - nearEnd && hasMore && !loading) void loadMore();
  }, [last, count, hasMore, loading, loadMore]);
  useEffect(() => {
    if (selectedIndex >= 0) v.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, v]);
  return { parent, rows, totalSize: v.getTotalSize() };
}
