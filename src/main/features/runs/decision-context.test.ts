// What a reviewer decides on (runs.context): the record by its contract's title fields, the values
// that made it RED, the AI summary beside its sources, what a decision does; run titles; card search.
import { msg } from '../../../shared/messages';
import { describe, expect, it } from 'vitest';
import { makeServices, tempDir } from '../../platform/test-utils';
import { compileSchema } from '../../../shared/validation';
import { decisionContextSchema } from '../../../shared/workflow/decision-context';
import { createCardStore } from '../cards/index';
import { prepareDevice, report, REPORT_WF, reviewer, runServiceFor, SPECIMEN_WF, specimen, wallClock } from './test-helpers';

function device() {
  const w = wallClock();
  const s = makeServices({ dataDir: tempDir(), clock: w.clock });
  prepareDevice(s);
  return { s, runs: runServiceFor(s) };
}

/** A run service on the app's own (shipped) policy, its invariant checks given time on a loaded test machine. */
function shippedPolicy(s: ReturnType<typeof makeServices>) {
  const locality = { region: 'device', residency: 'eu', serverRegion: 'eu-north-1' };
  return runServiceFor(s, { guard: { guard: (ctx) => s.policy.guard(ctx, { timeoutMs: 5_000 }) }, locality });
}

describe('decision context', () => {
  it('a RED report: its title fields, the conclusion that made it RED, the AI summary beside the summary it read, what approving and rejecting do', async () => {
    const { runs } = device();
    const run = await runs.start({ workflow: REPORT_WF, input: report({ reportId: 'RPT-2026-103', conclusion: 'unsafe' }) });
    expect(run.status).toBe('awaiting_approval');
    const c = runs.context(run.id);
    expect(compileSchema(decisionContextSchema)(c)).toBe(true);
    expect(c).toMatchObject({
      runId: run.id,
      title: 'Site inspection report · RPT-2026-103',
      identifier: 'RPT-2026-103',
      contract: 'field.submit.report@1.0.0',
      contractTitle: 'Inspection report submission',
      lane: 'RED',
    });
    expect(c.fields.map((f) => [f.label, f.value, f.red])).toEqual([
      ['Report ID', 'RPT-2026-103', false],
      ['Sites covered', 'PS-7, PS-9', false],
      ['Period', '2026-10-01 – 2026-10-31', false],
      ['Conclusion', 'unsafe', true],
    ]);
    expect(c.fields.find((f) => f.red)!.why).toEqual(msg('guard.field.red_when', { rule: "conclusion == 'unsafe'" }));
    // PII (the submitter's name) is never part of it.
    expect(JSON.stringify(c)).not.toContain('Ada Field');
    expect(c.ai).toMatchObject({
      step: 'Summarise the report',
      state: 'done',
      sources: [{ path: '/summary', label: 'Summary', value: expect.stringContaining('Pump station 7') }],
    });
    expect(c.ai!.text!.length).toBeGreaterThan(10);
    expect(c.outcome).toEqual({
      approve: 'The run goes on to its next step: “Submit the report”.',
      reject: expect.stringMatching(/^The run stops and nothing is submitted/),
    });
    expect(c.search).toBe('RPT-2026-103 PS-7, PS-9 2026-10-01 – 2026-10-31 unsafe');
    // Decided: no outcome any more; the record stays.
    const done = await runs.decide(run.id, { decision: 'approved', comment: 'Checked on site.', actor: reviewer });
    expect(done.status).toBe('succeeded');
    expect(runs.context(run.id)).toMatchObject({ outcome: null, identifier: 'RPT-2026-103' });
  });

  it('a large repair estimate is highlighted with the threshold it crossed; a GREEN run has no highlight and no outcome', async () => {
    // The shipped policy's lane rules (amount thresholds).
    const runs = shippedPolicy(device().s);
    const big = await runs.start({ workflow: REPORT_WF, input: report({ estimatedRepairCents: 900_000_000 }) });
    const c = runs.context(big.id);
    expect(c.lane).toBe('RED');
    expect(c.fields.find((f) => f.path === '/estimatedRepairCents')).toMatchObject({
      red: true,
      label: 'Estimated repair cost (cents)',
      why: msg('guard.lane.amount_red', { field: 'estimatedRepairCents', cents: 900_000_000, limit: 1_000_000 }),
    });
    expect(c.fields.find((f) => f.path === '/conclusion')).toMatchObject({ red: false });
    const ok = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(ok.status).toBe('succeeded');
    const g = runs.context(ok.id);
    expect(g.fields.some((f) => f.red)).toBe(false);
    expect(g).toMatchObject({ outcome: null, otherReasons: [] });
  });

  it('with the shipped policy a RED report is summarised on the device and waits at the review gate: the reviewer sees the summary beside its source', async () => {
    const runs = shippedPolicy(device().s);
    const run = await runs.start({ workflow: REPORT_WF, input: report({ reportId: 'RPT-2026-103', conclusion: 'unsafe' }) });
    expect(run).toMatchObject({ status: 'awaiting_approval', currentStep: 'review-gate' });
    const c = runs.context(run.id);
    expect(c.ai).toMatchObject({
      step: 'Summarise the report',
      state: 'done',
      text: expect.any(String),
      sources: [expect.objectContaining({ path: '/summary' })],
    });
    expect(c.ai!.text!.length).toBeGreaterThan(10);
    expect(c.fields.find((f) => f.path === '/conclusion')).toMatchObject({ red: true });
    expect(c.outcome!.approve).toBe('The run goes on to its next step: “Submit the report”.');
  });

  it('a repair estimate over what the policy allows without approval: the run waits at submit with its summary done, the estimate highlighted', async () => {
    const runs = shippedPolicy(device().s);
    const run = await runs.start({ workflow: REPORT_WF, input: report({ estimatedRepairCents: 500_000 }) });
    expect({ status: run.status, currentStep: run.currentStep, error: run.error }).toEqual({ status: 'awaiting_approval', currentStep: 'submit', error: null });
    const c = runs.context(run.id);
    expect(c.ai).toMatchObject({ state: 'done', text: expect.any(String) });
    expect(c.fields.find((f) => f.path === '/estimatedRepairCents')).toMatchObject({ red: true, why: expect.stringMatching(/without approval/) });
    expect(c.outcome!.approve).toBe('The run goes on to its next step: “Submit the report”.');
  });

  it('a contract that marks no title fields: its identifiers name the record (specimen ID)', async () => {
    const { runs } = device();
    const run = await runs.start({ workflow: SPECIMEN_WF, input: specimen({ hazard: 'biohazard' }) });
    const c = runs.context(run.id);
    expect(c.identifier).toBe('SP-2026-00417');
    expect(c.title).toBe(`${c.workflowTitle} · SP-2026-00417`);
    expect(c.fields[0]).toMatchObject({ path: '/specimenId', label: 'Specimen ID' });
    expect(c.fields.find((f) => f.path === '/hazard')).toMatchObject({ red: true, value: 'biohazard' });
  });

  it('run titles carry the identifying field in lists and details; an unknown run is NOT_FOUND', async () => {
    const { runs } = device();
    const run = await runs.start({ workflow: REPORT_WF, input: report({ reportId: 'RPT-2026-555' }) });
    expect(run.title).toBe('Site inspection report · RPT-2026-555');
    expect(runs.list().items[0]!.title).toBe('Site inspection report · RPT-2026-555');
    expect(() => runs.context('run_missing')).toThrow(/No run run_missing/);
    expect(runs.searchWords('run_missing')).toBeNull();
  });
});

describe('card search by the record', () => {
  it("finds every card of a run by the report ID, a site or the conclusion; another run's cards are not found", async () => {
    const { runs } = device();
    const a = await runs.start({ workflow: REPORT_WF, input: report({ reportId: 'RPT-2026-103', conclusion: 'unsafe' }) });
    const b = await runs.start({ workflow: REPORT_WF, input: report({ reportId: 'RPT-2026-104', siteIds: ['WW-3'] }) });
    const ids = (text: string) => new Set(runs.cards.list({ text }).cards.map((c) => c.runId));
    expect(ids('RPT-2026-103')).toEqual(new Set([a.id]));
    expect(runs.cards.list({ text: 'RPT-2026-103' }).cards).toHaveLength(runs.cards.forRun(a.id).length);
    expect(ids('rpt-2026-104')).toEqual(new Set([b.id]));
    expect(ids('WW-3')).toEqual(new Set([b.id]));
    expect(ids('RPT-2026-999').size).toBe(0);
    // With other filters and sorts too (the index drives or is tested per row).
    expect(runs.cards.list({ text: 'RPT-2026-103', status: 'awaiting_approval' }).cards.map((c) => c.runId)).toEqual([a.id]);
    expect(new Set(runs.cards.list({ text: 'RPT-2026-103', sort: 'cost' }).cards.map((c) => c.runId))).toEqual(new Set([a.id]));
  });

  it('cards recorded before the search knew the record are indexed once by the backfill', async () => {
    const { s, runs } = device();
    const legacy = createCardStore({ db: s.db, clock: s.clock, audit: s.audit });
    const run = await runs.start({ workflow: REPORT_WF, input: report({ reportId: 'RPT-2026-042' }) });
    // As a card of an older version: recorded without the record's words.
    const old = legacy.record(
      { ...runs.cards.forRun(run.id)[0]!, subject: 'site-inspection-report@1.0.0 · an older card' } as Parameters<typeof legacy.record>[0],
      'service:runs',
    );
    const found = () => runs.cards.list({ text: 'RPT-2026-042' }).cards.map((c) => c.id);
    expect(found()).not.toContain(old.id);
    // The migration marked everything up to here as still to index.
    s.db.prepare('UPDATE card_search_backfill SET done_to = 0, legacy_to = (SELECT max(seq) FROM decision_cards)').run();
    const n = legacy.backfillRecordWords((id) => runs.searchWords(id));
    expect(n).toBeGreaterThan(0);
    expect(found()).toContain(old.id);
    expect(found().length).toBe(runs.cards.forRun(run.id).length);
    // Once: a second call does nothing.
    expect(legacy.backfillRecordWords(() => 'anything')).toBe(0);
    expect(s.db.prepare("INSERT INTO cards_fts(cards_fts) VALUES('integrity-check')").run().changes).toBeGreaterThanOrEqual(0);
  });
});
