import { describe, expect, it } from 'vitest';
import type { ContractDoc } from '../../../shared/api/types';
import type { WorkflowInfo } from '../../../shared/workflow/views';
import report from '../../../../resources/contracts/field.submit.report@1.0.0.json';
import specimen from '../../../../resources/contracts/lab.record.specimen@2.0.1.json';
import { isPlainObject, labelAt, type JsonSchema } from '../capture/schema-form/json-schema';
import { inputSchemaOf, runTitleText, stepText, workflowOf, workflowText } from './workflow-words';

const LOCALES = ['sv', 'fr', 'es', 'sw', 'ar'];

/** Workflows as workflows.list shows them, their words taken from the shipped manifests (manifest.test.ts checks those whole). */
const info = (w: Pick<WorkflowInfo, 'workflow' | 'title' | 'description' | 'i18n' | 'inputContract'>, steps: [string, string][]): WorkflowInfo => ({
  ...w,
  digest: 'd',
  budgets: { tokens: 20000, wallTimeMs: 600000, costCents: 50 },
  steps: steps.map(([id, title]) => ({ id, uses: `${id}@1`, title, compensate: null })),
});
const site = info(
  {
    workflow: 'site-inspection-report@1.0.0',
    title: 'Site inspection report',
    description: 'Capture an inspection report, summarise it, classify its risk, hold RED reports for a reviewer, then submit it for sync.',
    inputContract: report.contract,
    i18n: {
      sv: { title: 'Platsinspektionsrapport', steps: { 'capture-form': 'Registrera rapporten' } },
      es: { title: 'Informe de inspección de sitio' },
      ar: {
        title: 'تقرير تفتيش الموقع',
        description: 'سجّل تقرير تفتيش، ولخّصه، وصنّف خطورته، واحتجز تقارير RED لمراجِع، ثم أرسله للمزامنة.',
        steps: { 'capture-form': 'تسجيل التقرير', 'review-gate': 'موافقة المراجِع (مستوى RED)' },
      },
    },
  },
  [
    ['capture-form', 'Capture the report'],
    ['review-gate', 'Reviewer approval (RED lane)'],
    ['submit', 'Submit the report'],
  ],
);
const intake = info(
  {
    workflow: 'specimen-intake@1.0.0',
    title: 'Specimen intake',
    description: null,
    inputContract: specimen.contract,
    i18n: { fr: { title: "Réception d'échantillon" }, sw: { title: 'Upokeaji wa sampuli' } },
  },
  [['capture-form', 'Record the specimen']],
);
const workflows = [site, intake];

describe('a workflow’s words in the user’s language', () => {
  it('title and description: the language, its base language, then the manifest’s own words', () => {
    expect(workflowText(site, 'ar')).toEqual({ title: 'تقرير تفتيش الموقع', description: site.i18n!.ar!.description });
    expect(workflowText(site, 'sv-FI').title).toBe('Platsinspektionsrapport');
    // a title without a description in that language: the manifest's own description
    expect(workflowText(site, 'sv')).toEqual({ title: 'Platsinspektionsrapport', description: site.description });
    expect(workflowText(intake, 'fr')).toEqual({ title: "Réception d'échantillon", description: null });
    expect(workflowText(site, 'de')).toEqual({ title: 'Site inspection report', description: site.description });
    // English is the manifest's own words, exactly
    expect(workflowText(site, 'en')).toEqual({ title: site.title, description: site.description });
    const partial = { title: 'T', description: 'D', i18n: { sv: { title: 'Bara titel' } } };
    expect(workflowText(partial, 'sv')).toEqual({ title: 'Bara titel', description: 'D' });
  });

  it('step titles by step id, else the manifest’s title (or none)', () => {
    // a step without words in that language keeps the manifest's title
    expect(site.steps.map((s) => stepText(site, s.id, s.title, 'ar'))).toEqual(['تسجيل التقرير', 'موافقة المراجِع (مستوى RED)', 'Submit the report']);
    expect(site.steps.map((s) => stepText(site, s.id, s.title, 'sv-FI'))).toEqual([
      'Registrera rapporten',
      'Reviewer approval (RED lane)',
      'Submit the report',
    ]);
    expect(site.steps.map((s) => stepText(site, s.id, s.title, 'en'))).toEqual(site.steps.map((s) => s.title));
    expect(stepText(site, 'no-such-step', null, 'sv')).toBeNull();
    expect(stepText(undefined, 'capture-form', 'Capture the report', 'ar')).toBe('Capture the report');
  });

  it('a run’s title: the workflow’s part translated, the record’s identifying value kept', () => {
    const run = { workflow: site.workflow, title: 'Site inspection report · RPT-2026-103' };
    expect(runTitleText(run, workflows, 'ar')).toBe('تقرير تفتيش الموقع · RPT-2026-103');
    expect(runTitleText(run, workflows, 'es')).toBe('Informe de inspección de sitio · RPT-2026-103');
    expect(runTitleText(run, workflows, 'en')).toBe(run.title);
    expect(runTitleText({ workflow: intake.workflow, title: 'Specimen intake' }, workflows, 'sw')).toBe('Upokeaji wa sampuli');
    // another device's workflow, or a title this workflow's did not make: kept as stored
    expect(runTitleText({ workflow: 'other@1.0.0', title: 'Site inspection report · X' }, workflows, 'ar')).toBe('Site inspection report · X');
    expect(runTitleText({ workflow: site.workflow, title: 'Site inspection reports' }, workflows, 'ar')).toBe('Site inspection reports');
    expect(workflowOf(workflows, intake.workflow)).toBe(intake);
  });
});

/** Every node with a title has one in `l`, and every enum value a label; English words never change. */
function untranslated(s: JsonSchema, l: string, path = ''): string[] {
  const out: string[] = [];
  const words = (s['x-maestro-i18n'] as Record<string, { title?: string; enum?: Record<string, string> }> | undefined)?.[l];
  if (s.title && !words?.title) out.push(`${path || '/'} title`);
  for (const v of s.enum ?? []) if (!words?.enum?.[String(v)]) out.push(`${path} enum ${String(v)}`);
  if (isPlainObject(s.properties)) for (const [k, v] of Object.entries(s.properties)) out.push(...untranslated(v as JsonSchema, l, `${path}/${k}`));
  if (isPlainObject(s.items)) out.push(...untranslated(s.items as JsonSchema, l, `${path}/items`));
  return out;
}

describe('the start-run form of each shipped workflow', () => {
  const contracts = [report, specimen] as unknown as ContractDoc[];

  it('the input contracts have every title, enum label and their own title in five languages', () => {
    for (const c of contracts) {
      for (const l of LOCALES) {
        expect(untranslated(c.schema as JsonSchema, l), `${c.contract} ${l}`).toEqual([]);
        expect(untranslated({ title: c.title, 'x-maestro-i18n': (c.schema as JsonSchema)['x-maestro-i18n'] } as JsonSchema, l)).toEqual([]);
      }
    }
  });

  it('renders the contract in the user’s language, values unchanged; English as before', () => {
    const ar = inputSchemaOf({ workflows, contracts }, site.workflow, 'ar')!;
    expect(labelAt(ar, '/period/from')).toBe('الفترة › من');
    const conclusion = (ar.properties as Record<string, JsonSchema>).conclusion!;
    expect(conclusion.enumLabels).toEqual(['مطابق', 'مشكلات بسيطة', 'مشكلات كبيرة', 'غير آمن']);
    expect(conclusion.enum).toEqual(['compliant', 'minor-issues', 'major-issues', 'unsafe']);
    const sv = inputSchemaOf({ workflows, contracts }, intake.workflow, 'sv')!;
    expect(labelAt(sv, '/site/habitat')).toBe('Plats › Livsmiljö');
    const en = inputSchemaOf({ workflows, contracts }, intake.workflow, 'en')!;
    expect(labelAt(en, '/site/habitat')).toBe('Site › Habitat');
    expect(JSON.stringify(en)).not.toMatch(/"help"|"enumLabels"|x-maestro-i18n/);
    expect(inputSchemaOf({ workflows, contracts }, 'nope@1.0.0', 'en')).toBeNull();
  });
});
