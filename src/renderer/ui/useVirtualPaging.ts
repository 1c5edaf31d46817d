// The virtualised list every paged list uses: only visible rows are in the DOM, the next page loads
// as the last rows come into view, and the selected row is scrolled into view.
import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';

/** Rows from the end at which the next page is asked for. */
const NEAR_END = 40;

interface Options {
  count: number;
  rowHeight: number;
  hasMore: boolean;
  loading: boolean;
  loadMore(): Promise<void>;
  selectedIndex: number;
}

export function useVirtualPaging({ count, rowHeight, hasMore, loading, loadMore, selectedIndex }: Options) {
  const parent = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count, getScrollElement: () => parent.current, estimateSize: () => rowHeight, overscan: 12 });
  const rows = v.getVirtualItems();
  const last = rows[rows.length - 1];
  useEffect(() => {
    if (last && last.index >= count - NEAR_END && hasMore && !loading) void loadMore();
  }, [last, count, hasMore, loading, loadMore]);
  useEffect(() => {
    if (selectedIndex >= 0) v.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, v]);
  return { parent, rows, totalSize: v.getTotalSize() };
}
