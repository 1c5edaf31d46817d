import { describe, expect, it } from 'vitest';
import { hash } from 'node:crypto';
import { makeServices, tempDir } from '../../platform/test-utils';
import { canonicalJson } from '../../../shared/canonical';
import { ApiError } from '../../../shared/errors';
import { msg } from '../../../shared/messages';
import { compileSchema } from '../../../shared/validation';
import { runViewSchema, runSummarySchema } from '../../../shared/workflow/schemas';
import type { GuardContext, GuardResult } from '../../../shared/policy/types';
import type { Guard } from './guard';
import type { AuditEntry } from '../../../shared/api/types';
import type { DecisionCard } from '../../../shared/workflow/types';
import { fakeGuard } from './testing';
import { toRunSummaryView, toRunView } from '../../../shared/workflow/run-views';
import { prepareDevice, report, REPORT_WF, reviewer, runServiceFor, SPECIMEN_WF, specimen, wallClock, workflowsDir } from './test-helpers';
import type { Executor } from './executors/index';
import { EXECUTOR_REGISTRY } from './executors/index';

function device(o: { fresh?: boolean } = {}) {
  const w = wallClock();
  const s = makeServices({ dataDir: tempDir(), clock: w.clock });
  prepareDevice(s, o);
  return { s, w };
}

const auditOf = (s: ReturnType<typeof makeServices>): AuditEntry[] => s.audit.list({ limit: 10_000 }).entries.reverse();
const actions = (s: ReturnType<typeof makeServices>, prefix = 'run.') =>
  auditOf(s)
    .filter((e) => e.action.startsWith(prefix))
    .map((e) => e.action);
const count = (s: ReturnType<typeof makeServices>, sql: string, ...p: unknown[]) =>
  s.db
    .prepare(sql)
    .pluck()
    .get(...p) as number;

function expectCardRecorded(s: ReturnType<typeof makeServices>, card: DecisionCard) {
  const entry = auditOf(s).find((e) => e.hash === card.auditHash)!;
  expect(entry).toMatchObject({ action: 'card.recorded', subject: card.id });
  const stored = s.db.prepare('SELECT body FROM decision_cards WHERE id = ?').pluck().get(card.id) as string;
  expect(stored).toBe(canonicalJson(JSON.parse(stored)));
  expect((entry.payload as { bodySha256: string }).bodySha256).toBe(hash('sha256', stored, 'hex'));
}

describe('run engine: site inspection report', () => {
  it('runs every step once: draft → summary → lane → gate → submit; record + outbox; audited transitions; a card per decision', async () => {
    const { s } = device();
    const seen: GuardContext[] = [];
    const runs = runServiceFor(s, { guard: fakeGuard({ seen }) });
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((x) => [x.id, x.status])).toEqual([
      ['capture-form', 'succeeded'],
      ['ai-summarize', 'succeeded'],
      ['classify-risk', 'succeeded'],
      ['review-gate', 'succeeded'],
      ['submit', 'succeeded'],
    ]);
    const [capture, summary, classify, gate, submit] = run.steps;
    expect(capture!.output).toMatchObject({ stored: 'draft', contract: 'field.submit.report@1.0.0', draftId: expect.any(String) });
    expect(summary!.output).toMatchObject({ model: 'extractive@1', arm: 'fallback', sentences: 3, citations: [] });
    expect(String(summary!.output!.summary)).toMatch(/corrosion/);
    expect(summary!.tokens).toBeGreaterThan(0);
    expect(classify!.output).toMatchObject({ lane: 'YELLOW' });
    expect(gate!.output).toMatchObject({ approvalRequired: false });
    expect(submit!.output).toMatchObject({ recordId: expect.any(String), outboxId: expect.any(String), draftId: capture!.output!.draftId });
    expect(run.lane).toBe('YELLOW');
    expect(run).toMatchObject({ stepCount: 5, stepsDone: 5, currentStep: null, error: null, approval: { state: 'not_required' } });
    expect(run.usage.tokens).toBe(summary!.tokens);
    // One record and one queued outbox item (the draft was consumed by the submit).
    expect(count(s, 'SELECT count(*) FROM records')).toBe(1);
    expect(s.outbox.stateOf(String(submit!.output!.outboxId))).toBe('queued');
    expect(s.capture.listDrafts()).toEqual([]);
    expect(actions(s)).toEqual([
      'run.created',
      'run.started',
      'run.step.succeeded',
      'run.step.succeeded',
      'run.step.succeeded',
      'run.step.succeeded',
      'run.step.succeeded',
      'run.succeeded',
    ]);
    // Cards: the start and one per step, each bound to the audit entry that recorded it.
    const cards = runs.cards.forRun(run.id);
    expect(cards.map((c) => [c.kind, c.stepId, c.status])).toEqual([
      ['run.start', null, 'allowed'],
      ['step', 'capture-form', 'allowed'],
      ['step', 'ai-summarize', 'allowed'],
      ['step', 'classify-risk', 'allowed'],
      ['step', 'review-gate', 'allowed'],
      ['step', 'submit', 'allowed'],
    ]);
    for (const c of cards) expectCardRecorded(s, c);
    const aiCard = cards[2]!;
    expect(aiCard.options.map((o) => o.id)).toEqual(['local-model', 'fallback', 'skip']);
    expect(aiCard).toMatchObject({ chosen: 'fallback', evidence: { memoryIds: [], modelId: 'extractive@1', bundleDigests: [`sha256:${run.manifestDigest}`] } });
    expect(aiCard.rationale).toMatch(/local inference is not configured/);
    expect(aiCard.invariants.map((i) => i.id)).toEqual(['INV.ENGINE.BUDGET_TOKENS', 'INV.ENGINE.BUDGET_COST', 'INV.ENGINE.WALL_TIME']);
    expect(cards[3]).toMatchObject({ chosen: 'fallback', lane: 'YELLOW', evidence: { modelId: 'rule-risk@1' } });
    expect(run.steps.map((x) => x.cardIds.length)).toEqual([1, 1, 1, 1, 1]);
    expect(run.cardIds).toEqual([cards[0]!.id]);
    // What the guard was told before the summary step.
    const before = seen.find((c) => c.event === 'step.before' && c.step?.executor === 'ai-summarize')!;
    expect(before).toMatchObject({
      action: 'step.execute:ai-summarize',
      actor: { role: 'field', tenant: 'acme' },
      run: { id: run.id, workflow: REPORT_WF, tenant: 'acme', budgetCents: 50, spentCents: 0, tokenBudget: 20000, tokensUsed: 0, wallTimeBudgetMs: 600000 },
      step: {
        id: 'ai-summarize',
        executor: 'ai-summarize',
        estimatedCostCents: 0,
        estimatedTokens: expect.any(Number),
        with: { fields: ['summary'], maxSentences: 3 },
      },
      contract: { contract: 'field.submit.report@1.0.0', kind: 'submit', riskHints: { redWhen: "conclusion == 'unsafe'" } },
      data: { reportId: 'RPT-2026-017' },
      approval: { state: 'not_required' },
      ai: { modelId: 'extractive@1', inputs: [{ source: 'capture', text: expect.stringMatching(/^All sites/) }] },
      sync: { lastSyncAt: expect.any(String) },
    });
    expect(seen.filter((c) => c.event === 'step.after')).toHaveLength(5);
    expect(seen.find((c) => c.event === 'step.after' && c.step?.executor === 'ai-summarize')!.step!.output).toMatchObject({ summary: expect.any(String) });
    expect(s.audit.verify().valid).toBe(true);
  });

  it('views: JSON-stable and valid against the API table schemas', async () => {
    const { s } = device();
    const runs = runServiceFor(s);
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(JSON.parse(JSON.stringify(run))).toEqual(run);
    const view = toRunView(run);
    const v = compileSchema(runViewSchema);
    expect(v(view), JSON.stringify(v.errors)).toBe(true);
    const page = runs.list({ limit: 10 });
    expect(page.items.map((r) => r.id)).toEqual([run.id]);
    expect(compileSchema(runSummarySchema)(toRunSummaryView(page.items[0]!))).toBe(true);
    expect(view.steps.map((x) => x.summary)).toEqual([
      expect.stringMatching(/^Kept as draft /),
      expect.stringMatching(/^Summary \(extractive@1\): /),
      expect.stringMatching(/^Lane YELLOW/),
      'Lane YELLOW: no approval needed',
      expect.stringMatching(/^Submitted record /),
    ]);
    // Each summary's words beside it (system.step.*), and each step card's subject names its workflow and step.
    expect(view.steps.map((x) => x.summaryWords?.map((m) => m.code))).toEqual([
      ['system.step.draft'],
      ['system.step.summary'],
      [expect.stringMatching(/^system\.step\.lane/)],
      ['system.step.no_approval'],
      ['system.step.submitted'],
    ]);
    expect(view.steps[0]!.summaryWords![0]!.params).toEqual({ draft: (run.steps[0]!.output as { draftId: string }).draftId });
    const card = runs.cards.get(run.steps[3]!.cardIds[0]!);
    expect(card.subject).toBe(`${run.title} · Reviewer approval (RED lane)`);
    expect(card.subjectWords).toEqual({
      text: msg('system.run.step_subject', { title: run.title, stepTitle: 'Reviewer approval (RED lane)', workflow: REPORT_WF, step: 'review-gate' }),
    });
    expect(runs.workflows().map((w) => w.workflow)).toEqual([REPORT_WF, SPECIMEN_WF]);
    expect(runs.loadErrors()).toEqual([]);
  });

  it('a RED report waits at the review gate (approval wait not counted as wall time), then an approval resumes it', async () => {
    const { s, w } = device();
    const runs = runServiceFor(s);
    const waiting = await runs.start({ workflow: REPORT_WF, input: report({ conclusion: 'unsafe' }) });
    expect(waiting).toMatchObject({ status: 'awaiting_approval', currentStep: 'review-gate', lane: 'RED', approval: { state: 'pending' } });
    expect(waiting.steps.map((x) => x.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'awaiting_approval', 'pending']);
    expect(count(s, 'SELECT count(*) FROM records')).toBe(0);
    const gateCard = runs.cards.get(waiting.steps[3]!.cardIds[0]!);
    expect(gateCard).toMatchObject({
      status: 'awaiting_approval',
      lane: 'RED',
      chosen: null,
      nextSafeStep: msg('guard.next.reviewer_decides', { run: waiting.id }),
    });
    expect(gateCard.invariants.find((i) => i.id === 'INV.APPROVAL.RED')).toMatchObject({ pass: false });
    expect(runs.cards.list({ status: 'awaiting_approval' }).cards.map((c) => c.id)).toEqual([gateCard.id]);
    expect(runs.awaitingCard(waiting.id)).toBe(gateCard.id);
    expect(runs.awaitingCard('run_missing')).toBeUndefined();
    // Two hours pass before the reviewer looks: not the run's wall time (budget 10 minutes).
    w.add(2 * 3600_000);
    const done = await runs.decide(waiting.id, { decision: 'approved', comment: 'Checked with the site lead.', actor: reviewer });
    expect(done.status).toBe('succeeded');
    expect(done.usage.elapsedMs).toBeLessThan(60_000);
    expect(done.approval).toMatchObject({ state: 'approved', by: 'prof_reviewer', comment: 'Checked with the site lead.', at: expect.any(String) });
    expect(done.steps[3]!.output).toMatchObject({ approvalRequired: true, approvedBy: 'prof_reviewer' });
    expect(done.steps[3]!.cardIds).toHaveLength(2);
    expect(count(s, 'SELECT count(*) FROM records')).toBe(1);
    const after = runs.cards.get(gateCard.id);
    expect(after).toMatchObject({ status: 'approved', approval: { state: 'approved', by: 'prof_reviewer', comment: 'Checked with the site lead.' } });
    expect(runs.cards.approvals(gateCard.id)).toHaveLength(1);
    const approvalCard = runs.cards.forRun(done.id).find((c) => c.kind === 'approval.decide')!;
    expect(approvalCard).toMatchObject({ status: 'approved', chosen: 'approve', stepId: null });
    expect(
      runs.cards
        .list({ status: 'approved' })
        .cards.map((c) => c.id)
        .sort(),
    ).toEqual([gateCard.id, approvalCard.id].sort());
    expect(actions(s)).toEqual(expect.arrayContaining(['run.awaiting_approval', 'run.approval.decided', 'run.succeeded']));
    expect(auditOf(s).find((e) => e.action === 'run.approval.decided')).toMatchObject({
      actor: 'user:prof_reviewer',
      payload: { decision: 'approved', by: 'prof_reviewer', comment: 'Checked with the site lead.' },
    });
    expect(s.audit.verify().valid).toBe(true);
  });

  it('a rejection fails the run and undoes the finished steps: rolled_back', async () => {
    const { s } = device();
    const runs = runServiceFor(s);
    const waiting = await runs.start({ workflow: REPORT_WF, input: report({ conclusion: 'unsafe' }) });
    expect(s.capture.listDrafts()).toHaveLength(1);
    const done = await runs.decide(waiting.id, { decision: 'rejected', comment: 'Not enough evidence for unsafe.', actor: { ...reviewer, role: 'admin' } });
    expect(done.status).toBe('rolled_back');
    expect(done.error).toMatchObject({ code: 'REJECTED', stepId: 'review-gate', message: expect.stringMatching(/Rejected by prof_reviewer/) });
    expect(done.steps.map((x) => x.status)).toEqual(['compensated', 'succeeded', 'succeeded', 'failed', 'skipped']);
    expect(done.steps[0]!.compensation).toMatchObject({ outcome: 'deleted' });
    expect(s.capture.listDrafts()).toEqual([]);
    expect(actions(s).slice(-4)).toEqual(['run.approval.decided', 'run.compensating', 'run.step.compensated', 'run.rolled_back']);
    expect(runs.cards.list({ status: 'rejected' }).cards).toHaveLength(2);
  });

  it('the review gate waits by itself when the guard allows but the lane is RED', async () => {
    const { s } = device();
    const runs = runServiceFor(s, { guard: fakeGuard({ approvalInvariant: false, lane: (c) => (c.step?.executor === 'classify-risk' ? 'RED' : undefined) }) });
    const waiting = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(waiting).toMatchObject({ status: 'awaiting_approval', currentStep: 'review-gate' });
    const card = runs.cards.get(waiting.steps[3]!.cardIds[0]!);
    expect(card).toMatchObject({ status: 'awaiting_approval', chosen: 'await-approval', policy: { decision: 'allow' } });
    const done = await runs.decide(waiting.id, { decision: 'approved', comment: 'ok', actor: reviewer });
    expect(done.status).toBe('succeeded');
  });

  it('an output only an approval can accept (an invariant reading approval.state) waits; one that still fails after approval blocks', async () => {
    const uncertain = (stillFails: boolean): Guard => ({
      guard(c) {
        const r = fakeGuard().guard(c) as GuardResult;
        if (c.event !== 'step.after' || c.step?.executor !== 'ai-summarize') return r;
        const pass = !stillFails && c.approval?.state === 'approved';
        return {
          ...r,
          allowed: pass,
          invariants: [
            {
              id: 'INV.AI.UNCERTAINTY_AUTO',
              pass,
              message: pass ? null : 'Model uncertainty 0.62 is above 0.5 and nobody approved the result',
              values: { 'ai.uncertainty': 0.62, 'approval.state': c.approval?.state ?? null },
            },
          ],
        };
      },
    });
    const { s } = device();
    const waiting = await runServiceFor(s, { guard: uncertain(false) }).start({ workflow: REPORT_WF, input: report() });
    expect(waiting).toMatchObject({ status: 'awaiting_approval', currentStep: 'ai-summarize', stepsDone: 1 });
    const done = await runServiceFor(s, { guard: uncertain(false) }).decide(waiting.id, {
      decision: 'approved',
      comment: 'Summary reads fine.',
      actor: reviewer,
    });
    expect(done.status).toBe('succeeded');
    const runs = runServiceFor(s, { guard: uncertain(true) });
    const again = await runs.start({ workflow: REPORT_WF, input: report() });
    const blocked = await runs.decide(again.id, { decision: 'approved', comment: 'Summary reads fine.', actor: reviewer });
    expect(blocked).toMatchObject({
      status: 'rolled_back',
      error: { code: 'BLOCKED', stepId: 'ai-summarize', reasons: [expect.stringMatching(/^INV.AI.UNCERTAINTY_AUTO/)] },
    });
  });

  it('only a reviewer or an admin can decide: FORBIDDEN, nothing changes', async () => {
    const { s } = device();
    const runs = runServiceFor(s);
    const waiting = await runs.start({ workflow: REPORT_WF, input: report({ conclusion: 'unsafe' }) });
    const before = s.audit.head();
    const err = await runs
      .decide(waiting.id, { decision: 'approved', comment: 'me', actor: { id: 'prof_field', role: 'field', tenant: 'acme' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'FORBIDDEN' });
    expect(s.audit.head()).toEqual(before);
    expect(runs.get(waiting.id).status).toBe('awaiting_approval');
    await expect(runs.decide('run_nope', { decision: 'approved', comment: '', actor: reviewer })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const done = await runs.decide(waiting.id, { decision: 'approved', comment: 'ok', actor: reviewer });
    await expect(runs.decide(done.id, { decision: 'approved', comment: 'again', actor: reviewer })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('a guard that refuses the decision: FORBIDDEN with reasons, and a denied card', async () => {
    const { s } = device();
    const runs = runServiceFor(s, { guard: fakeGuard({ denyActions: ['approval.decide'] }) });
    const waiting = await runs.start({ workflow: REPORT_WF, input: report({ conclusion: 'unsafe' }) });
    await expect(runs.decide(waiting.id, { decision: 'approved', comment: 'ok', actor: reviewer })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      details: { reasons: [expect.stringMatching(/^guard\.policy\.no_rule \{"action":"approval\.decide"/)] },
    });
    expect(runs.cards.forRun(waiting.id).at(-1)).toMatchObject({ kind: 'approval.decide', status: 'denied' });
    expect(runs.get(waiting.id).status).toBe('awaiting_approval');
  });
});

describe('run engine: specimen intake', () => {
  it('records at capture (record + outbox); the fallback cannot translate sv → en, so the lane is RED and a reviewer checks', async () => {
    const { s } = device();
    const runs = runServiceFor(s);
    const waiting = await runs.start({ workflow: 'specimen-intake', input: specimen() });
    expect(waiting).toMatchObject({ workflow: SPECIMEN_WF, status: 'awaiting_approval', lane: 'RED', currentStep: 'review-gate' });
    expect(waiting.steps[0]!.output).toMatchObject({ stored: 'record', recordId: expect.any(String), outboxId: expect.any(String) });
    expect(waiting.steps[1]!.output).toMatchObject({
      translated: false,
      verified: false,
      sourceLang: 'sv',
      targetLang: 'en',
      backTranslationSimilarity: 1,
      uncertainty: 0.9,
      model: 'rule-based-fallback@1',
    });
    expect(String(waiting.steps[1]!.output!.translation)).toMatch(/weir/);
    expect(waiting.steps[2]!.output).toMatchObject({ lane: 'RED', reasons: [msg('guard.lane.uncertainty_red', { value: 0.9, limit: 0.8 })] });
    expect(count(s, 'SELECT count(*) FROM records')).toBe(1);
    const done = await runs.decide(waiting.id, { decision: 'approved', comment: 'Notes read and checked.', actor: reviewer });
    expect(done.status).toBe('succeeded');
  });

  it('a biohazard is RED by the contract and waits for a reviewer', async () => {
    const { s } = device();
    const runs = runServiceFor(s);
    const run = await runs.start({ workflow: SPECIMEN_WF, input: specimen({ hazard: 'biohazard' }) });
    expect(run).toMatchObject({ status: 'awaiting_approval', lane: 'RED', currentStep: 'review-gate' });
    expect(run.steps[2]!.output!.reasons).toContainEqual(msg('guard.lane.red_rule', { rule: "hazard == 'biohazard'" }));
  });
});

describe('run engine: refusals, budgets, saga', () => {
  it('an input that fails its contract never starts: VALIDATION_ERROR with details, no run row, nothing audited', async () => {
    const { s } = device();
    const runs = runServiceFor(s);
    const head = s.audit.head();
    const err = (await runs.start({ workflow: REPORT_WF, input: report({ reportId: 'nope', conclusion: 'fine' }) }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('VALIDATION_ERROR');
    expect((err.details as { path: string }[]).map((d) => d.path).sort()).toEqual(['/conclusion', '/reportId']);
    expect(count(s, 'SELECT count(*) FROM runs')).toBe(0);
    expect(count(s, 'SELECT count(*) FROM decision_cards')).toBe(0);
    expect(s.audit.head()).toEqual(head);
    await expect(runs.start({ workflow: 'no-such@1.0.0', input: {} })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a budget exceeded before a step fails the run and compensates finished steps in reverse: rolled_back', async () => {
    const { s } = device();
    const dir = workflowsDir(tempDir(), {
      'tight.yaml': `
workflow: tight-budget@1.0.0
title: Tight budget
input: { contract: lab.record.specimen@2.0.1 }
budgets: { tokens: 5, wallTimeMs: 600000, costCents: 10 }
steps:
  - { id: capture, uses: capture-form@1, compensate: withdraw }
  - { id: submit, uses: submit@1, compensate: withdraw }
  - { id: verify, uses: ai-translate-verify@1 }
`,
    });
    const runs = runServiceFor(s, { resourcesDir: dir });
    const run = await runs.start({ workflow: 'tight-budget@1.0.0', input: specimen() });
    expect(run.status).toBe('rolled_back');
    expect(run.error).toMatchObject({
      code: 'BUDGET_EXCEEDED',
      stepId: 'verify',
      reasons: [expect.stringMatching(/^INV.ENGINE.BUDGET_TOKENS: Token budget exceeded: 0 used \+ \d+ estimated > 5 tokens$/)],
      nextSafeStep: msg('guard.next.raise_budget'),
    });
    expect(run.steps.map((x) => x.status)).toEqual(['compensated', 'compensated', 'failed']);
    const captured = String(run.steps[0]!.output!.outboxId);
    const submitted = String(run.steps[1]!.output!.outboxId);
    expect(s.outbox.stateOf(captured)).toBe('discarded');
    expect(s.outbox.stateOf(submitted)).toBe('discarded');
    // Reverse order: the submit's item is withdrawn before the capture's.
    const trail = auditOf(s)
      .filter((e) => e.action === 'run.step.compensated' || e.action === 'outbox.discarded')
      .map((e) => `${e.action}:${e.action === 'outbox.discarded' ? e.subject : (e.payload as { step: string }).step}`);
    expect(trail).toEqual([`outbox.discarded:${submitted}`, 'run.step.compensated:submit', `outbox.discarded:${captured}`, 'run.step.compensated:capture']);
    expect(auditOf(s).find((e) => e.action === 'outbox.discarded')!.payload).toMatchObject({
      from: 'queued',
      mayHaveReachedServer: false,
      reason: expect.stringMatching(/BUDGET_EXCEEDED/),
    });
    const blocked = runs.cards.get(run.error!.cardId!);
    expect(blocked).toMatchObject({ stepId: 'verify', status: 'denied', chosen: null });
    expect(runs.cards.list({ failedInvariant: 'INV.ENGINE.BUDGET_TOKENS' }).cards.map((c) => c.id)).toEqual([blocked.id]);
    expect(actions(s).slice(-5)).toEqual(['run.step.blocked', 'run.compensating', 'run.step.compensated', 'run.step.compensated', 'run.rolled_back']);
  });

  it('wall time over budget after a slow step: the run fails and compensates', async () => {
    const { s, w } = device();
    const slow: Executor = { ...EXECUTOR_REGISTRY['ai-summarize'], execute: (ctx) => (w.add(11 * 60_000), EXECUTOR_REGISTRY['ai-summarize'].execute(ctx)) };
    const runs = runServiceFor(s, { executors: { 'ai-summarize': slow } });
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(run.status).toBe('rolled_back');
    expect(run.error).toMatchObject({ code: 'BUDGET_EXCEEDED', stepId: 'ai-summarize', reasons: [expect.stringMatching(/^INV.ENGINE.WALL_TIME/)] });
    expect(run.steps.map((x) => x.status)).toEqual(['compensated', 'succeeded', 'skipped', 'skipped', 'skipped']);
  });

  it('a policy refusal blocks the step: the run fails with the reasons and the next safe step', async () => {
    const { s } = device();
    const runs = runServiceFor(s, { guard: fakeGuard({ denyActions: ['step.execute:submit'] }) });
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(run.status).toBe('rolled_back');
    expect(run.error).toMatchObject({
      code: 'BLOCKED',
      stepId: 'submit',
      reasons: ['guard.policy.no_rule {"action":"step.execute:submit","role":"field"}'],
      nextSafeStep: msg('guard.next.ask_admin_allow', { action: 'step.execute:submit' }),
    });
    expect(runs.cards.get(run.error!.cardId!)).toMatchObject({
      status: 'denied',
      nextSafeStep: msg('guard.next.ask_admin_allow', { action: 'step.execute:submit' }),
      policy: { decision: 'deny' },
    });
    expect(s.capture.listDrafts()).toEqual([]);
    expect(count(s, 'SELECT count(*) FROM records')).toBe(0);
    // Blocked at the first step: nothing to undo → failed.
    const first = await runServiceFor(s, { guard: fakeGuard({ denyActions: ['step.execute:capture-form'] }) }).start({ workflow: REPORT_WF, input: report() });
    expect(first).toMatchObject({ status: 'failed', error: { code: 'BLOCKED', stepId: 'capture-form' } });
    expect(first.steps.map((x) => x.status)).toEqual(['failed', 'skipped', 'skipped', 'skipped', 'skipped']);
  });

  it('governance refuses the submit on a stale device: a step failure with its reason; the draft is withdrawn', async () => {
    const { s } = device({ fresh: false });
    const runs = runServiceFor(s);
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(run.status).toBe('rolled_back');
    expect(run.error).toMatchObject({ code: 'STEP_FAILED', stepId: 'submit', message: expect.stringMatching(/FORBIDDEN: .*risk\.refused\.stale/) });
    expect(run.steps[0]!.compensation).toMatchObject({ outcome: 'deleted' });
    expect(count(s, 'SELECT count(*) FROM records')).toBe(0);
  });

  it('a guard that throws fails closed', async () => {
    const { s } = device();
    const runs = runServiceFor(s, {
      guard: {
        guard: (c) => {
          if (c.event === 'step.before' && c.step?.executor === 'ai-summarize') throw new Error('engine down');
          return fakeGuard().guard(c);
        },
      },
    });
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(run).toMatchObject({
      status: 'rolled_back',
      error: { code: 'BLOCKED', stepId: 'ai-summarize', reasons: ['guard.policy.guard_failed {"reason":"engine down"}'] },
    });
  });

  it('a refused run start is recorded: failed run, denied card', async () => {
    const { s } = device();
    const runs = runServiceFor(s, { guard: fakeGuard({ denyActions: ['run.start'] }) });
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    expect(run).toMatchObject({ status: 'failed', error: { code: 'BLOCKED', stepId: null } });
    expect(runs.cards.forRun(run.id).map((c) => [c.kind, c.status])).toEqual([['run.start', 'denied']]);
  });
});

describe('run engine: exactly once and immutability', () => {
  it('a second driver resumes from the first unfinished step and never repeats a finished one', async () => {
    const { s } = device();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const stuck: Executor = {
      ...EXECUTOR_REGISTRY['ai-summarize'],
      async execute(ctx) {
        calls++;
        await gate;
        return EXECUTOR_REGISTRY['ai-summarize'].execute(ctx);
      },
    };
    const a = runServiceFor(s, { executors: { 'ai-summarize': stuck } });
    const first = a.start({ workflow: REPORT_WF, input: report() });
    await new Promise((r) => setTimeout(r, 20));
    const runId = s.db.prepare('SELECT id FROM runs').pluck().get() as string;
    expect(a.get(runId)).toMatchObject({ status: 'running', currentStep: 'ai-summarize', stepsDone: 1 });
    // A fresh engine (as after a restart) finishes the run.
    const b = runServiceFor(s);
    const resumed = await b.resumeAll();
    expect(resumed.map((r) => [r.id, r.status])).toEqual([[runId, 'succeeded']]);
    // The first driver wakes up: its commit loses the compare-and-set and changes nothing.
    release();
    const late = await first;
    expect(late.status).toBe('succeeded');
    expect(calls).toBe(1);
    expect(count(s, 'SELECT count(*) FROM run_steps WHERE run_id = ?', runId)).toBe(5);
    expect(actions(s).filter((x) => x === 'run.step.succeeded')).toHaveLength(5);
    expect(count(s, 'SELECT count(*) FROM records')).toBe(1);
    await expect(b.resumeAll()).resolves.toEqual([]);
  });

  it('a side effect that fails inside the commit leaves no trace: no draft, no step row, no step audit entry', async () => {
    const { s } = device();
    const broken: Executor = {
      ...EXECUTOR_REGISTRY['capture-form'],
      async execute(ctx) {
        const r = await EXECUTOR_REGISTRY['capture-form'].execute(ctx);
        return {
          ...r,
          commit: () => {
            r.commit!();
            throw new Error('disk full');
          },
        };
      },
    };
    const run = await runServiceFor(s, { executors: { 'capture-form': broken } }).start({ workflow: REPORT_WF, input: report() });
    expect(run).toMatchObject({ status: 'failed', error: { code: 'STEP_FAILED', stepId: 'capture-form', message: 'capture-form failed: disk full' } });
    expect(s.capture.listDrafts()).toEqual([]);
    expect(count(s, 'SELECT count(*) FROM run_steps')).toBe(0);
    expect(actions(s)).toEqual(['run.created', 'run.started', 'run.step.failed', 'run.failed']);
    expect(s.audit.verify().valid).toBe(true);
  });

  it('UNIQUE (manifest digest, step id, input digest): the same step cannot commit twice', async () => {
    const { s } = device();
    const runs = runServiceFor(s);
    const run = await runs.start({ workflow: REPORT_WF, input: report() });
    const r = s.db.prepare("SELECT * FROM run_steps WHERE run_id = ? AND step_id = 'ai-summarize'").get(run.id) as Record<string, unknown>;
    const again = () =>
      s.db
        .prepare(
          'INSERT INTO run_steps (run_id, step_index, step_id, executor, manifest_digest, input_digest, status, output, tokens, cost_cents, started_at, finished_at, audit_seq) VALUES (?, 9, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?)',
        )
        .run('run_other', r.step_id, r.executor, r.manifest_digest, r.input_digest, 'succeeded', '{}', r.started_at, r.finished_at, r.audit_seq);
    s.db
      .prepare(
        "INSERT INTO runs SELECT 'run_other', workflow, title, manifest_digest, manifest, input_contract, input, input_digest, status, actor, started_by, tenant, budget_tokens, budget_cost_cents, budget_wall_ms, 0, 0, 0, NULL, 0, NULL, 'not_required', NULL, NULL, NULL, NULL, NULL, created_at, updated_at, NULL FROM runs WHERE id = ?",
      )
      .run(run.id);
    expect(again).toThrow(/UNIQUE constraint failed: run_steps.manifest_digest, run_steps.step_id, run_steps.input_digest/);
  });

  it('cards, approvals and finished steps are immutable', async () => {
    const { s } = device();
    const runs = runServiceFor(s);
    const waiting = await runs.start({ workflow: REPORT_WF, input: report({ conclusion: 'unsafe' }) });
    await runs.decide(waiting.id, { decision: 'approved', comment: 'ok', actor: reviewer });
    expect(() => s.db.prepare("UPDATE decision_cards SET rationale = 'x'").run()).toThrow();
    expect(() => s.db.prepare("UPDATE decision_cards SET lane = 'GREEN'").run()).toThrow(/append-only/);
    expect(() => s.db.prepare('DELETE FROM decision_cards').run()).toThrow(/append-only/);
    expect(() => s.db.prepare("UPDATE card_approvals SET state = 'rejected'").run()).toThrow(/append-only/);
    expect(() => s.db.prepare('DELETE FROM card_approvals').run()).toThrow(/append-only/);
    expect(() => s.db.prepare('DELETE FROM card_failed_invariants').run()).toThrow(/append-only/);
    expect(() => s.db.prepare("UPDATE run_steps SET output = '{}'").run()).toThrow(/immutable/);
    expect(() => s.db.prepare('DELETE FROM run_steps').run()).toThrow(/kept/);
    expect(() =>
      s.db
        .prepare(
          "INSERT INTO decision_cards (id, kind, run_id, created_at, lane, status, cost_cents, uncertainty, body, audit_hash) VALUES ('c', 'step', 'r', '2000-01-01T00:00:00.000Z', 'GREEN', 'allowed', 0, 0, '{}', 'h')",
        )
        .run(),
    ).toThrow(/must not decrease/);
  });
});
