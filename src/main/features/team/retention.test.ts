import { describe, expect, it } from 'vitest';
import { makeServices } from '../../platform/test-utils';
import { manualClock } from '../memory/testing';
import { DEFAULT_TEAM_RETENTION_DAYS, retentionDays, TeamRetention } from './retention';
import type { Db } from '../../platform/db/connection';

const DAY = 86_400_000;

function pulled(db: Db, receivedAt: string, n: number, runStatus = 'completed') {
  const id = `${receivedAt}-${n}`;
  db.prepare(
    `INSERT INTO team_records (device, item_id, user, kind, contract, created_at, body, seq, received_at) VALUES ('dev-b', ?, 'u2', 'record', 'c@1.0.0', ?, '{"pii":"Anna"}', ?, ?)`,
  ).run(id, receivedAt, n, receivedAt);
  db.prepare(
    `INSERT INTO team_runs (device, run_id, user, status, awaiting_card, updated_at, created_at, body, seq, received_at) VALUES ('dev-b', ?, 'u2', ?, NULL, ?, ?, '{}', ?, ?)`,
  ).run(id, runStatus, receivedAt, receivedAt, n, receivedAt);
  db.prepare(
    `INSERT INTO team_cards (device, card_id, user, run_id, created_at, lane, status, body, seq, received_at) VALUES ('dev-b', ?, 'u2', ?, ?, 'GREEN', ?, '{}', ?, ?)`,
  ).run(id, id, receivedAt, runStatus === 'awaiting_approval' ? 'awaiting_approval' : 'approved', n, receivedAt);
}

const count = (db: Db, table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe('team retention', () => {
  it('the shipped policy keeps other devices’ records 30 days; a bad value falls back to the default', () => {
    const s = makeServices();
    expect(retentionDays(s.policy.params())).toBe(30);
    expect(retentionDays({ teamRetentionDays: 7 })).toBe(7);
    expect(retentionDays({ teamRetentionDays: -1 })).toBe(DEFAULT_TEAM_RETENTION_DAYS);
    expect(retentionDays({ teamRetentionDays: '9' })).toBe(DEFAULT_TEAM_RETENTION_DAYS);
    expect(retentionDays(null)).toBe(DEFAULT_TEAM_RETENTION_DAYS);
    s.close();
  });

  it('purges what was received before the cutoff (not what awaits a decision), in one audited transaction', () => {
    const s = makeServices();
    const clock = manualClock(Date.parse('2026-12-01T00:00:00.000Z'));
    const old = new Date(clock.now().getTime() - 31 * DAY).toISOString();
    const recent = new Date(clock.now().getTime() - 29 * DAY).toISOString();
    pulled(s.db, old, 1);
    pulled(s.db, old, 2, 'awaiting_approval');
    pulled(s.db, recent, 3);
    s.db
      .prepare(
        `INSERT INTO team_events (seq, type, device, user, at) VALUES (1, 'device.enrolled', 'dev-b', 'u2', ?), (2, 'device.enrolled', 'dev-c', 'u3', ?)`,
      )
      .run(old, recent);
    const inbox = s.db.prepare(
      `INSERT INTO team_inbox (approval_id, seq, from_device, run_device, card_id, body, state, received_at) VALUES (?, 1, 'dev-b', 'dev-a', 'c1', '{}', ?, ?)`,
    );
    inbox.run('ap-old-applied', 'applied', old);
    inbox.run('ap-old-pending', 'pending', old);
    inbox.run('ap-recent', 'seen', recent);
    const retention = new TeamRetention({ db: s.db, clock, audit: s.audit, logger: s.logger, params: () => s.policy.params() });

    const r = retention.purge();
    const cutoff = new Date(clock.now().getTime() - 30 * DAY).toISOString();
    expect(r).toEqual({ days: 30, cutoff, records: 2, runs: 1, cards: 1, events: 1, inbox: 1 });
    expect(s.db.prepare('SELECT approval_id FROM team_inbox ORDER BY approval_id').pluck().all()).toEqual(['ap-old-pending', 'ap-recent']);
    expect(count(s.db, 'team_records')).toBe(1);
    // The run and card awaiting a reviewer's decision stay until it is made.
    expect(s.db.prepare('SELECT status FROM team_runs ORDER BY seq').pluck().all()).toEqual(['awaiting_approval', 'completed']);
    expect(count(s.db, 'team_cards')).toBe(2);
    expect(count(s.db, 'team_events')).toBe(1);
    const entry = s.audit.list({ limit: 1 }).entries[0]!;
    expect(entry).toMatchObject({
      action: 'team.retention_purged',
      subject: cutoff,
      payload: { days: 30, cutoff, records: 2, runs: 1, cards: 1, events: 1, inbox: 1 },
    });

    // Nothing left to purge: no second audit entry.
    const before = s.audit.list({ limit: 1 }).entries[0]!.seq;
    expect(retention.purge()).toMatchObject({ records: 0, runs: 0, cards: 0, events: 0, inbox: 0 });
    expect(s.audit.list({ limit: 1 }).entries[0]!.seq).toBe(before);

    // A shorter policy retention purges more.
    const week = new TeamRetention({ db: s.db, clock, audit: s.audit, logger: s.logger, params: () => ({ teamRetentionDays: 7 }) });
    expect(week.purge()).toMatchObject({ days: 7, records: 1, runs: 1, cards: 1, events: 1, inbox: 1 });
    s.close();
  });

  it('start() purges at once and on its schedule; stop() ends it', async () => {
    const s = makeServices();
    const clock = manualClock(Date.parse('2026-12-01T00:00:00.000Z'));
    pulled(s.db, new Date(clock.now().getTime() - 40 * DAY).toISOString(), 1);
    const retention = new TeamRetention({ db: s.db, clock, audit: s.audit, logger: s.logger, params: () => null });
    retention.start(20);
    expect(count(s.db, 'team_records')).toBe(0);
    pulled(s.db, new Date(clock.now().getTime() - 40 * DAY).toISOString(), 2);
    await new Promise((r) => setTimeout(r, 80));
    expect(count(s.db, 'team_records')).toBe(0);
    retention.stop();
    pulled(s.db, new Date(clock.now().getTime() - 40 * DAY).toISOString(), 3);
    await new Promise((r) => setTimeout(r, 60));
    expect(count(s.db, 'team_records')).toBe(1);
    expect(s.audit.list({ limit: 10 }).entries.filter((e) => e.action === 'team.retention_purged')).toHaveLength(2);
    s.close();
  });
});
