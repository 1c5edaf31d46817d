// The shipped site-inspection workflow as workflows.list shows it, with its Swedish and Arabic words:
// shared by the renderer tests that put workflow and step titles into the reader's language.
import type { WorkflowInfo } from '../../../shared/workflow/views';

/** The shipped workflow as workflows.list shows it, with its sv and ar words (manifest.test.ts checks the manifest's words whole). */
export const siteWorkflow: WorkflowInfo = {
  workflow: 'site-inspection-report@1.0.0',
  title: 'Site inspection report',
  description: null,
  i18n: {
    sv: {
      title: 'Platsinspektionsrapport',
      steps: {
        'capture-form': 'Registrera rapporten',
        'ai-summarize': 'Sammanfatta rapporten',
        'classify-risk': 'Bedöm risken',
        'review-gate': 'Granskarens godkännande (risknivå RED)',
        submit: 'Skicka in rapporten',
      },
    },
    ar: {
      title: 'تقرير تفتيش الموقع',
      steps: {
        'capture-form': 'تسجيل التقرير',
        'ai-summarize': 'تلخيص التقرير',
        'classify-risk': 'تصنيف الخطورة',
        'review-gate': 'موافقة المراجِع (مستوى RED)',
        submit: 'إرسال التقرير',
      },
    },
  },
  inputContract: 'field.submit.report@1.0.0',
  digest: 'd',
  budgets: { tokens: 20000, wallTimeMs: 600000, costCents: 50 },
  steps: [
    ['capture-form', 'Capture the report'],
    ['ai-summarize', 'Summarise the report'],
    ['classify-risk', 'Classify the risk'],
    ['review-gate', 'Reviewer approval (RED lane)'],
    ['submit', 'Submit the report'],
  ].map(([id, title]) => ({ id: id!, uses: `${id}@1`, title: title!, compensate: null })),
};
