// One migration scheme for every database Maestro keeps: the device's SQLite, the server's SQLite
// and the server's PostgreSQL. A migration is numbered SQL text (1..N, no gaps, append only: never
// edit a shipped one, add the next number). Applying one records its SHA-256 checksum; a database
// whose recorded checksum differs from the text this build carries is refused (someone edited a
// shipped migration, so the schema on disk is not the schema the code expects). Databases migrated
// before checksums existed know only their version: their applied migrations get checksums
// recorded on first start. This module decides; sqlite-migrations.ts and the PostgreSQL storage
// carry the decisions out in their transactions.
import { sha256Hex } from './hash';

export interface Migration {
  readonly version: number;
  /** What it does, in a few words (recorded beside the checksum). */
  readonly name: string;
  /** The SQL, run as one script. Its SHA-256 is the checksum. */
  readonly sql: string;
  /**
   * The schema compatibility floor (PostgreSQL servers, several instances on one schema): the oldest
   * code version (the number of migrations it knows) that still runs correctly on a database this
   * migration has been applied to. Absent: this version itself, i.e. older code must not run on it.
   * An expand-only step (a new table or nullable column older code ignores) declares the previous
   * floor, so instances of version N keep serving while N+1 rolls out. Not part of the checksum;
   * the device and the SQLite server (one process) ignore it.
   */
  readonly compatMin?: number;
}

/**
 * Whether code that knows `known` migrations can run on a database at schema version `found`, given
 * the highest compatibility floor recorded for the migrations above `known` (null: none recorded).
 */
export function runsOnSchema(known: number, found: number, floorAbove: number | null): boolean {
  return found <= known || (floorAbove !== null && floorAbove <= known);
}

export interface AppliedMigration {
  version: number;
  checksum: string;
}

export type MigrationErrorCode = 'MIGRATIONS_NOT_NUMBERED' | 'FROM_FUTURE' | 'MIGRATION_CHANGED';

export class MigrationError extends Error {
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

export const migrationChecksum = (m: Migration): string => sha256Hex(m.sql);

/** Throws unless the list is numbered 1..N in order. */
export function assertNumbered(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError('MIGRATIONS_NOT_NUMBERED', `migration #${i + 1} is numbered ${m.version}`);
  });
}

export interface MigrationPlan {
  /** Applied before checksums were recorded: record theirs now. */
  backfill: Migration[];
  /** To apply, in order. */
  pending: Migration[];
}

/**
 * What to do with a database at schema version `current` whose recorded checksums are `recorded`.
 * Throws MigrationError FROM_FUTURE for a version this build does not know, MIGRATION_CHANGED when an
 * applied migration's recorded checksum differs from its text here.
 */
export function planMigrations(list: readonly Migration[], current: number, recorded: readonly AppliedMigration[], target = list.length): MigrationPlan {
  assertNumbered(list);
  if (current > list.length) {
    throw new MigrationError('FROM_FUTURE', `schema version ${current} is newer than this build supports (${list.length})`);
  }
  const known = new Map(recorded.map((r) => [r.version, r.checksum]));
  const backfill: Migration[] = [];
  for (const m of list.slice(0, current)) {
    const sum = known.get(m.version);
    if (sum === undefined) backfill.push(m);
    else if (sum !== migrationChecksum(m)) {
      throw new MigrationError('MIGRATION_CHANGED', `migration ${m.version} (${m.name}) was applied with different text (checksum ${sum}); refusing to start`);
    }
  }
  return { backfill, pending: list.filter((m) => m.version > current && m.version <= target) };
}
