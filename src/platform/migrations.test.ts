import { describe, expect, it } from 'vitest';
import { migrationChecksum, planMigrations, type Migration } from './migrations';
import { sha256Hex } from './hash';

const list: Migration[] = [
  { version: 1, name: 'one', sql: 'CREATE TABLE a (x)' },
  { version: 2, name: 'two', sql: 'CREATE TABLE b (x)' },
  { version: 3, name: 'three', sql: 'CREATE TABLE c (x)' },
];
const sums = (n: number) => list.slice(0, n).map((m) => ({ version: m.version, checksum: migrationChecksum(m) }));

describe('planMigrations', () => {
  it('checksums are the SHA-256 of the text', () => {
    expect(migrationChecksum(list[0]!)).toBe(sha256Hex('CREATE TABLE a (x)'));
  });

  it('a new database gets everything, up to a target if one is given', () => {
    expect(planMigrations(list, 0, [])).toEqual({ backfill: [], pending: list });
    expect(planMigrations(list, 0, [], 2).pending.map((m) => m.version)).toEqual([1, 2]);
  });

  it('an up-to-date database gets nothing; a behind one the rest', () => {
    expect(planMigrations(list, 3, sums(3))).toEqual({ backfill: [], pending: [] });
    expect(planMigrations(list, 1, sums(1)).pending.map((m) => m.version)).toEqual([2, 3]);
  });

  it('a database from before checksums gets those of its applied migrations recorded', () => {
    expect(planMigrations(list, 2, [])).toEqual({ backfill: list.slice(0, 2), pending: [list[2]] });
  });

  it('refuses a newer database, a changed applied migration, and a list with gaps', () => {
    expect(() => planMigrations(list, 4, sums(3))).toThrow(expect.objectContaining({ code: 'FROM_FUTURE' }));
    expect(() => planMigrations(list, 2, [...sums(1), { version: 2, checksum: 'other' }])).toThrow(expect.objectContaining({ code: 'MIGRATION_CHANGED' }));
    expect(() => planMigrations([list[0]!, list[2]!], 0, [])).toThrow(expect.objectContaining({ code: 'MIGRATIONS_NOT_NUMBERED' }));
  });
});
