// The record a reviewer decides on, in the reader's language: field labels and enum values from the
// contract's per-locale words, the run's and the summary step's titles from the workflow's. English
// reads exactly as the main process wrote it; what this device cannot match stays as it came.
import { beforeAll, describe, expect, it } from 'vitest';
import { initI18n } from '../../i18n';
import type { ContractDoc } from '../../../shared/api/types';
import { formatValue, labelAt, titleWith, valueAt, type DecisionContext } from '../../../shared/workflow/decision-context';
import { siteWorkflow as site } from '../runs/site-workflow.fixture';
import report from '../../../../resources/contracts/field.submit.report@1.0.0.json';
import { contextWords } from './record-words';

const doc = report as unknown as ContractDoc;
const words = { workflows: [site], contracts: [doc] };

const data = {
  reportId: 'RPT-2026-103',
  siteIds: ['PS-11'],
  period: { from: '2026-11-01', to: '2026-11-20' },
  conclusion: 'unsafe',
  summary: 'Pump station 11: the pressure relief valve is stuck closed.',
};
/** A field as the main process words it (main/features/runs/decision-context.ts fieldsOf). */
const field = (path: string, red = false) => ({
  path,
  label: labelAt(doc.schema, path),
  value: formatValue(valueAt(data, path))!,
  red,
  why: red ? "conclusion == 'unsafe'" : null,
});
const context: DecisionContext = {
  runId: 'run_1',
  workflowTitle: site.title,
  contract: doc.contract,
  contractTitle: doc.title,
  title: titleWith(site.title, 'RPT-2026-103'),
  identifier: 'RPT-2026-103',
  fields: [field('/reportId'), field('/siteIds'), field('/period'), field('/conclusion', true)],
  lane: 'RED',
  otherReasons: [],
  ai: {
    step: 'Summarise the report',
    state: 'done',
    model: 'extractive@1',
    text: 'Pump station 11: valve stuck.',
    sources: [{ path: '/summary', label: 'Summary', value: data.summary }],
  },
  outcome: null,
  search: 'RPT-2026-103',
};

describe('the record under review in the reader’s language', () => {
  it('in English reads exactly as the main process wrote it', () => {
    expect(contextWords(context, words, 'en')).toEqual(context);
    expect(context.fields.map((f) => [f.label, f.value])).toEqual([
      ['Report ID', 'RPT-2026-103'],
      ['Sites covered', 'PS-11'],
      ['Period', '2026-11-01 – 2026-11-20'],
      ['Conclusion', 'unsafe'],
    ]);
  });

  it('in Arabic and Swedish: the contract’s labels and enum labels, the workflow’s titles, the values kept', () => {
    const ar = contextWords(context, words, 'ar');
    expect(ar.fields.map((f) => [f.label, f.value])).toEqual([
      ['معرّف التقرير', 'RPT-2026-103'],
      ['المواقع المشمولة', 'PS-11'],
      ['الفترة', '2026-11-01 – 2026-11-20'],
      ['الخلاصة', 'غير آمن'],
    ]);
    expect(ar.title).toBe('تقرير تفتيش الموقع · RPT-2026-103');
    expect(ar.workflowTitle).toBe('تقرير تفتيش الموقع');
    expect(ar.contractTitle).toBe('إرسال تقرير التفتيش');
    expect(ar.ai).toMatchObject({ step: 'تلخيص التقرير', text: context.ai!.text, sources: [{ label: 'الملخص', value: data.summary }] });
    expect(ar.fields[3]).toMatchObject({ red: true, why: context.fields[3]!.why, path: '/conclusion' });
    const sv = contextWords(context, words, 'sv');
    expect(sv.fields.map((f) => f.label)).not.toEqual(context.fields.map((f) => f.label));
    expect(sv.fields[3]!.value).not.toBe('unsafe');
    expect(sv.title).toBe('Platsinspektionsrapport · RPT-2026-103');
  });

  it('keeps what it cannot match: no contract or workflow here, a label another version wrote, a value not in the enum', () => {
    expect(contextWords(context, { workflows: [], contracts: [] }, 'ar')).toBe(context);
    const other = { ...context, fields: [{ ...field('/conclusion'), label: 'Verdict', value: 'dubious' }] };
    expect(contextWords(other, words, 'ar').fields[0]).toMatchObject({ label: 'Verdict', value: 'dubious' });
    // A workflow of another title (another device's version): the title and step stay as they came.
    const renamed = contextWords({ ...context, workflowTitle: 'Old inspection', title: 'Old inspection · RPT-2026-103' }, words, 'ar');
    expect(renamed).toMatchObject({ title: 'Old inspection · RPT-2026-103', ai: { step: 'Summarise the report' } });
    expect(renamed.fields[0]!.label).toBe('معرّف التقرير');
  });
});

describe('what approving and rejecting do, in the reader’s language', () => {
  beforeAll(() => {
    initI18n('en');
  });
  // As runs/decision-context.ts outcomeOf words them: waiting at the review gate, and waiting before the summary step.
  const atGate = {
    approve: 'The run goes on to its next step: “Submit the report”.',
    reject: 'The run stops and nothing is submitted; what its finished steps stored is withdrawn.',
  };
  const beforeSummary = { approve: 'The run goes on to its next step: “Summarise the report”, then 3 more.', reject: atGate.reject };

  it('reads in English exactly as the main process wrote it', () => {
    expect(contextWords({ ...context, outcome: atGate }, words, 'en').outcome).toEqual(atGate);
    expect(contextWords({ ...context, outcome: beforeSummary }, words, 'en').outcome).toEqual(beforeSummary);
  });

  it('reads in Swedish and Arabic with the next step’s own title', () => {
    const sv = contextWords({ ...context, outcome: atGate }, words, 'sv').outcome!;
    expect(sv.approve).toBe('Körningen går vidare till nästa steg: ”Skicka in rapporten”.');
    expect(sv.reject).toBe('Körningen stoppas och inget skickas in; det som de avslutade stegen sparade dras tillbaka.');
    const ar = contextWords({ ...context, outcome: beforeSummary }, words, 'ar').outcome!;
    expect(ar.approve).toContain('تلخيص التقرير');
    expect(ar.approve).not.toContain('then');
    expect(ar.reject).not.toBe(atGate.reject);
  });

  it('keeps a sentence it cannot match as it came', () => {
    const other = { approve: 'The run goes on to its next step: “Something else”.', reject: 'Rejecting does something new.' };
    expect(contextWords({ ...context, outcome: other }, words, 'sv').outcome).toEqual(other);
  });
});
