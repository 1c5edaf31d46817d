import { monotonicFactory } from 'ulid';

/** Monotonic ULIDs: sortable by creation, unique within the process even in the same millisecond. */
export const newUlid: () => string = monotonicFactory();
