// Reviewers decide on the content (issue 17), across devices against one real server process: a RED
// report captured on a field device before any tenant key existed reaches the reviewer once the key
// does (waiting runs are shared when the first key arrives), with its record, the values that made it
// RED and the AI summary; the reviewer finds it by its report ID, approves, and the field run finishes.
import { afterAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/main/app/services';
import { createDispatcher } from '../../src/main/app/dispatch';
import { report } from '../../src/main/features/runs/test-helpers';
import type { TeamCardView, TeamPage, TeamRunView } from '../../src/shared/team/views';
import type { DecisionContext } from '../../src/shared/workflow/decision-context';
import { enrolled, handOutKeys, teamServer, type TeamServer } from './team-helpers';

const REPORT_WF = 'site-inspection-report@1.0.0';
const devices: Services[] = [];
const servers: TeamServer[] = [];
afterAll(async () => {
  devices.forEach((d) => d.close());
  await Promise.all(servers.map((s) => s.srv.stop()));
});

describe('a RED run captured before the tenant key existed', () => {
  it(
    'reaches the reviewer once the key arrives, with its record and AI summary; found by its report ID; approved; the field run finishes',
    { timeout: 90_000 },
    async () => {
      const t = await teamServer();
      servers.push(t);
      // The field device enrols and works before any admin device exists: no tenant key anywhere.
      const field = await enrolled(t, 'Dana Field', 'dana@acme', 'field');
      devices.push(field);
      const run = await field.runs.start({ workflow: REPORT_WF, input: report({ reportId: 'RPT-2026-102', conclusion: 'unsafe' }) });
      expect(run.status).toBe('awaiting_approval');
      expect(run.title).toBe('Site inspection report · RPT-2026-102');
      const cardId = field.runs.awaitingCard(run.id)!;
      await field.sync.syncNow();
      expect(field.team.status().keys.current).toBeNull();
      // Nothing of the run was shared: nothing could read it.
      expect(field.db.prepare("SELECT count(*) FROM outbox WHERE kind IN ('run','card')").pluck().get()).toBe(0);

      // An admin and a reviewer enrol; the admin creates the tenant key and wraps it for both.
      const admin = await enrolled(t, 'Erin Admin', 'erin@acme', 'admin');
      const reviewer = await enrolled(t, 'Rita Reviewer', 'rita@acme', 'reviewer');
      devices.push(admin, reviewer);
      await handOutKeys(admin);

      // The field device's next sync unwraps its first key: its waiting run and the run's cards are queued
      // then and leave in the same sync run.
      await field.sync.syncNow();
      expect(field.team.status().keys.current).toBe(1);
      const shared = field.db.prepare("SELECT kind, ref_id FROM outbox WHERE kind IN ('run','card')").all() as { kind: string; ref_id: string }[];
      expect(shared.filter((r) => r.kind === 'run').map((r) => r.ref_id)).toEqual([run.id]);
      expect(shared.filter((r) => r.kind === 'card').map((r) => r.ref_id)).toContain(cardId);
      expect(field.outbox.counts().queued).toBe(0);

      // The reviewer pulls: the run waits for them, titled with its report ID.
      await reviewer.team.pull();
      const api = createDispatcher(reviewer);
      const dev = field.sync.config()!.deviceId;
      const runs = await api('runs.list', { scope: 'tenant' });
      const rr = (runs.ok ? (runs.data as TeamPage<TeamRunView>).items : []).find((r) => r.run.id === run.id)!;
      expect(rr).toMatchObject({ device: dev, awaitingCard: cardId, run: { status: 'awaiting_approval', title: 'Site inspection report · RPT-2026-102' } });

      // Found by its report ID in "All devices"; not by another ID.
      const found = await api('cards.list', { scope: 'tenant', q: 'RPT-2026-102' });
      const ids = found.ok ? (found.data as TeamPage<TeamCardView>).items.map((c) => c.card.id) : [];
      expect(ids).toContain(cardId);
      expect(ids.length).toBe(field.runs.cards.forRun(run.id).length);
      const none = await api('cards.list', { scope: 'tenant', q: 'RPT-2026-999' });
      expect(none.ok && (none.data as TeamPage<TeamCardView>).items).toEqual([]);

      // What the reviewer decides on: the same record the field device sees.
      const ctx = await api('runs.context', { scope: 'tenant', device: dev, runId: run.id });
      expect(ctx.ok).toBe(true);
      const c = (ctx.ok ? ctx.data : null) as { context: DecisionContext };
      expect(c.context).toEqual(field.runs.context(run.id));
      expect(c.context.fields.find((f) => f.label === 'Conclusion')).toMatchObject({ value: 'unsafe', red: true });
      // The summary was made on the field device before the run reached the review gate: the reviewer sees it beside its source.
      expect(c.context.ai).toMatchObject({ state: 'done', step: 'Summarise the report', text: expect.any(String), sources: [{ label: 'Summary' }] });
      expect(c.context.outcome?.approve).toMatch(/Submit the report/);

      // The reviewer approves; the field device pulls it and the run finishes.
      const decided = await api('runs.decide', {
        scope: 'tenant',
        device: dev,
        runId: run.id,
        cardId,
        decision: 'approve',
        comment: 'Site closed; repair booked.',
        confirm: true,
      });
      expect(decided).toMatchObject({ ok: true, data: { state: 'queued' } });
      await reviewer.sync.syncNow();
      await field.team.pull();
      await field.runs.idle();
      expect(field.runs.get(run.id).status).toBe('succeeded');
      expect(field.runs.cards.get(cardId).approval).toMatchObject({ state: 'approved', by: 'rita@acme' });

      // A snapshot from a device before this version carries no context: the reviewer's view says so (null), search still finds the run by its title.
      reviewer.db.prepare('UPDATE team_runs SET context = NULL WHERE run_id = ?').run(run.id);
      expect(await api('runs.context', { scope: 'tenant', device: dev, runId: run.id })).toMatchObject({ ok: true, data: { context: null } });
      const byTitle = await api('cards.list', { scope: 'tenant', q: 'RPT-2026-102' });
      expect(byTitle.ok && (byTitle.data as TeamPage<TeamCardView>).items.map((x) => x.card.id)).toContain(cardId);
      expect(await api('runs.context', { scope: 'tenant', device: dev, runId: 'run_missing' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    },
  );
});
