// What the engine writes about a run's steps, in the reader's language: a decision card's subject (its
// workflow and step titles from the workflow's own words, the record's value kept) and each step's
// output line on the run timeline (system.step.*; a model's summary kept as it is). In English both
// read exactly as the text the engine stored; cards and steps from before show their stored text.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { msg } from '../../../shared/messages';
import { stepSummary } from '../../../shared/workflow/run-views';
import type { RunStepDetail } from '../../../shared/workflow/types';
import { siteWorkflow as site } from './site-workflow.fixture';
import { i18next, initI18n } from '../../i18n';
import { setCurrentLocale } from '../../i18n/current';
import { subjectText } from '../cards/system-words';
import { stepSummaryText } from './run-words';

beforeAll(() => {
  initI18n('en');
});
afterEach(async () => {
  await i18next.changeLanguage('en');
  setCurrentLocale('en');
});

const use = async (lang: string) => {
  await i18next.changeLanguage(lang);
  setCurrentLocale(lang);
};

const WF = site.workflow;
const workflows = [site];
const TITLE = 'Site inspection report · RPT-2026-103';

/** A step card as decision-cards.ts writes it. */
const stepCard = (step: string, stepTitle: string) => ({
  subject: `${TITLE} · ${stepTitle}`,
  subjectWords: { text: msg('system.run.step_subject', { title: TITLE, stepTitle, workflow: WF, step }) },
});
const STEPS: [string, string][] = [
  ['review-gate', 'Reviewer approval (RED lane)'],
  ['classify-risk', 'Classify the risk'],
  ['ai-summarize', 'Summarise the report'],
  ['capture-form', 'Capture the report'],
];

describe('a decision card’s subject', () => {
  it('in English reads exactly as the stored subject', () => {
    for (const [id, title] of STEPS) expect(subjectText(stepCard(id, title), workflows, 'en')).toBe(`${TITLE} · ${title}`);
    const start = { subject: `${TITLE} · start`, subjectWords: { text: msg('system.run.start_subject', { title: TITLE, workflow: WF }) } };
    expect(subjectText(start, workflows, 'en')).toBe(start.subject);
    const decided = {
      subject: `${TITLE} · approval by prof_reviewer`,
      subjectWords: { text: msg('system.run.decision_subject', { title: TITLE, workflow: WF, decision: 'approved', actor: 'prof_reviewer' }) },
    };
    expect(subjectText(decided, workflows, 'en')).toBe(decided.subject);
  });

  it('in Arabic and Swedish: the workflow’s and the step’s titles in that language, the record’s value kept', async () => {
    await use('ar');
    expect(subjectText(stepCard('review-gate', 'Reviewer approval (RED lane)'), workflows, 'ar')).toBe(
      'تقرير تفتيش الموقع · RPT-2026-103 · موافقة المراجِع (مستوى RED)',
    );
    expect(subjectText(stepCard('classify-risk', 'Classify the risk'), workflows, 'ar')).toBe('تقرير تفتيش الموقع · RPT-2026-103 · تصنيف الخطورة');
    const start = { subject: `${TITLE} · start`, subjectWords: { text: msg('system.run.start_subject', { title: TITLE, workflow: WF }) } };
    expect(subjectText(start, workflows, 'ar')).toBe('تقرير تفتيش الموقع · RPT-2026-103 · بدء');
    await use('sv');
    for (const [id, title] of STEPS) {
      const text = subjectText(stepCard(id, title), workflows, 'sv');
      expect(text).toBe(`Platsinspektionsrapport · RPT-2026-103 · ${site.i18n!.sv!.steps![id]}`);
    }
  });

  it('keeps the titles as written when the workflow is not loaded here, and a card from before shows its stored subject', async () => {
    await use('ar');
    expect(subjectText(stepCard('classify-risk', 'Classify the risk'), [], 'ar')).toBe(`${TITLE} · Classify the risk`);
    expect(subjectText({ subject: `${TITLE} · Classify the risk` }, workflows, 'ar')).toBe(`${TITLE} · Classify the risk`);
    // A step with no words in that language: its manifest title.
    expect(subjectText(stepCard('ghost', 'ghost (submit)'), workflows, 'ar')).toBe('تقرير تفتيش الموقع · RPT-2026-103 · ghost (submit)');
  });
});

const step = (executor: RunStepDetail['executor'], output: Record<string, unknown> | null, more: Partial<RunStepDetail> = {}): RunStepDetail => ({
  index: 0,
  id: executor,
  uses: `${executor}@1`,
  executor,
  title: null,
  status: 'succeeded',
  startedAt: null,
  finishedAt: null,
  tokens: 0,
  costCents: 0,
  uncertainty: null,
  output,
  error: null,
  compensate: null,
  compensatedAt: null,
  compensation: null,
  compensationError: null,
  cardIds: [],
  ...more,
});
const LONG = 'Pump station 11: the pressure relief valve is stuck closed; the station runs in manual mode until it is replaced. '.repeat(3);

/** [the step, the line the run timeline showed before words]. */
const OUTPUTS: [RunStepDetail, string][] = [
  [step('capture-form', { draftId: '01DRAFT' }), 'Kept as draft 01DRAFT'],
  [step('capture-form', { recordId: 'rec1', outboxId: 'ob1' }), 'Stored record rec1 (outbox ob1)'],
  [step('capture-form', {}), 'Stored'],
  [step('ai-summarize', { summary: 'Pump station 11: valve stuck.', model: 'extractive@1' }), 'Summary (extractive@1): Pump station 11: valve stuck.'],
  [step('ai-summarize', { summary: LONG, model: 'qwen' }), `Summary (qwen): ${LONG.slice(0, 159)}…`],
  [step('ai-summarize', { summary: '' }), 'No free text to summarise'],
  [
    step('ai-translate-verify', { translated: true, sourceLang: 'sv', targetLang: 'en', backTranslationSimilarity: 0.91, verified: true }),
    'Translated sv → en; verification 0.91',
  ],
  [
    step('ai-translate-verify', { translated: false, sourceLang: 'en', targetLang: 'en', backTranslationSimilarity: 1, verified: false }),
    'Passed through en → en; verification 1 (not verified)',
  ],
  [step('classify-risk', { lane: 'RED', reasons: [msg('guard.lane.default', { lane: 'RED' })] }), 'Lane RED'],
  [step('classify-risk', { lane: 'YELLOW', reasons: ['The model is unsure.', 'Check it.'] }), 'Lane YELLOW: The model is unsure. Check it.'],
  [step('review-gate', { approvalRequired: true, approvedBy: 'prof_reviewer' }), 'Approved by prof_reviewer'],
  [step('review-gate', { approvalRequired: false, lane: 'GREEN' }), 'Lane GREEN: no approval needed'],
  [step('submit', { recordId: 'rec2', outboxId: 'ob2' }), 'Submitted record rec2 (outbox ob2)'],
  [
    step('capture-form', { draftId: 'd9' }, { compensate: 'withdraw', compensatedAt: 'x', compensation: { outcome: 'already-gone' } }),
    'Kept as draft d9 — undone (withdraw: already-gone)',
  ],
  [
    step(
      'submit',
      { recordId: 'r', outboxId: 'o' },
      { compensate: 'withdraw', compensatedAt: 'x', compensation: { outcome: 'discarded' }, compensationError: 'disk full' },
    ),
    'Submitted record r (outbox o) — undone (withdraw: discarded) — undo failed: disk full',
  ],
  [step('submit', null, { compensatedAt: 'x' }), 'undone (compensation: done)'],
  [step('capture-form', null, { compensatedAt: 'x', compensate: 'withdraw', compensation: { outcome: 'weird' } }), 'undone (withdraw: weird)'],
];

describe('a step’s output line', () => {
  it('keeps its English line as it was, and in English its words read exactly the same', () => {
    for (const [s, line] of OUTPUTS) {
      const view = stepSummary(s);
      expect(view.summary).toBe(line);
      expect(stepSummaryText(view)).toBe(line);
    }
    expect(stepSummary(step('submit', null))).toEqual({ summary: null });
  });

  it('in Swedish and Arabic: other words, the ids, lanes and the model’s summary kept', async () => {
    for (const lang of ['sv', 'ar']) {
      await use(lang);
      for (const [s, line] of OUTPUTS) {
        const text = stepSummaryText(stepSummary(s))!;
        expect(text, `${lang}: ${line}`).not.toBe(line);
        expect(text).not.toMatch(/system\.step|\{|\}/);
      }
    }
    await use('ar');
    expect(stepSummaryText(stepSummary(OUTPUTS[0]![0]))).toBe('حُفظ كمسودة 01DRAFT');
    expect(stepSummaryText(stepSummary(OUTPUTS[3]![0]))).toBe('الملخص (extractive@1): Pump station 11: valve stuck.');
    expect(stepSummaryText(stepSummary(OUTPUTS[8]![0]))).toBe('المسار RED');
    await use('sv');
    expect(stepSummaryText(stepSummary(OUTPUTS[13]![0]))).toBe('Sparad som utkast d9 — ångrat (återkallat: redan borta)');
  });

  it('a step from before words shows its line as stored', async () => {
    await use('ar');
    expect(stepSummaryText({ summary: 'Kept as draft 01OLD' })).toBe('Kept as draft 01OLD');
  });
});
