// Realistic guard contexts for the sample workflows (site inspection: capture-form → ai-summarize →
// classify-risk → review-gate → submit; specimen: capture-form → ai-translate-verify → submit).
// Used by the tests and the benchmark; each builder returns a fresh object that passes every
// shipped invariant and the shipped policy, so a test changes one thing and sees one failure.
import { fileURLToPath } from 'node:url';
import type { GuardContext, GuardRun } from '../../../shared/policy/types';
import { mulberry32 } from '../../../platform/prng';

/** The shipped policy (four eyes on, no test model). */
export const POLICY_DIR = fileURLToPath(new URL('../../../../resources/policy', import.meta.url));
/** The development overlay (resources/policy-dev: the test model allowed), for PolicyEngineOptions.overlay through dirTree. */
export const DEV_POLICY_DIR = fileURLToPath(new URL('../../../../resources/policy-dev', import.meta.url));
export const NOW = '2026-11-20T10:00:00.000Z';

export const SUBMIT_CONTRACT = {
  contract: 'field.submit.report@1.0.0',
  kind: 'submit' as const,
  pii: ['/submittedBy/name'],
  riskHints: { defaultLane: 'YELLOW', redWhen: "conclusion == 'unsafe'", amountField: 'estimatedRepairCents' },
  latestMajor: 1,
};

export const SITE_CONTRACT = {
  contract: 'field.inspect.site@1.2.0',
  kind: 'capture' as const,
  pii: ['/inspector/name', '/inspector/phone'],
  riskHints: { defaultLane: 'GREEN', redWhen: "findings[].severity == 'critical'", amountField: null },
  latestMajor: 1,
};

export const SPECIMEN_CONTRACT = {
  contract: 'lab.record.specimen@2.0.1',
  kind: 'capture' as const,
  pii: ['/collector/name'],
  riskHints: { defaultLane: 'GREEN', redWhen: "hazard == 'biohazard'", amountField: null },
  latestMajor: 2,
};

export const HASH = 'sha256:' + 'ab12'.repeat(16);

export function baseRun(over: Partial<GuardRun> = {}): GuardRun {
  return {
    id: 'run-01',
    workflow: 'site-inspection@1.0.0',
    ownerId: 'u-field-1',
    tenant: 'acme',
    residency: 'eu',
    status: 'running',
    budgetCents: 20000,
    spentCents: 1200,
    tokenBudget: 200000,
    tokensUsed: 12000,
    wallTimeBudgetMs: 3_600_000,
    elapsedMs: 120_000,
    ...over,
  };
}

const actor = { id: 'u-field-1', role: 'field' as const, tenant: 'acme', region: 'eu-north-1' };

/** step.before of the site-inspection submit step (PII sealed, fresh sync, approved). */
export function submitContext(): GuardContext {
  return {
    event: 'step.before',
    action: 'step.execute:submit',
    now: NOW,
    actor: { ...actor },
    run: baseRun(),
    step: { id: 'submit', executor: 'submit', estimatedCostCents: 5, estimatedTokens: 0, estimatedMs: 2000 },
    contract: { ...SUBMIT_CONTRACT },
    data: {
      reportId: 'RPT-2026-017',
      siteIds: ['PS-7', 'PS-9'],
      period: { from: '2026-11-01', to: '2026-11-15' },
      conclusion: 'minor-issues',
      estimatedRepairCents: 125000,
      summary: 'Two sites inspected; minor corrosion at PS-7, no safety concerns.',
      submittedBy: { name: 'enc:v1:9a8b7c' },
      attachments: [HASH],
    },
    approval: { state: 'approved', by: 'u-rev-1', comment: 'Checked the photos.' },
    sync: { lastSyncAt: '2026-11-20T07:30:00.000Z' },
    destination: { kind: 'server', region: 'eu-north-1' },
  };
}

/** step.before of ai-summarize over a site inspection (inspector name redacted). */
export function summarizeContext(): GuardContext {
  return {
    event: 'step.before',
    action: 'step.execute:ai-summarize',
    now: NOW,
    actor: { ...actor },
    run: baseRun(),
    step: { id: 'summarize', executor: 'ai-summarize', estimatedCostCents: 40, estimatedTokens: 3000, estimatedMs: 15000 },
    contract: { ...SITE_CONTRACT },
    data: {
      siteId: 'PS-7',
      inspectedAt: '2026-11-14',
      location: { lat: 60.17, lon: 24.94 },
      condition: 'fair',
      inspector: { name: 'redacted:inspector' },
      findings: [{ description: 'Corrosion on ladder rungs', severity: 'minor' }],
      photos: [HASH],
    },
    ai: {
      modelId: 'local/llama-3.2-3b-instruct-q4',
      uncertainty: 0.2,
      inputs: [
        { source: 'capture', text: 'Pump station PS-7: flow 42 m3/h, pressure 3.2 bar. Corrosion on the ladder rungs, minor.' },
        { source: 'memory', id: 'mem-3', text: 'Previous visit: ladder repainted in 2024.' },
      ],
    },
    destination: { kind: 'model', region: 'device' },
  };
}

/** step.after of ai-summarize. */
export function summaryAfterContext(): GuardContext {
  const c = summarizeContext();
  return {
    ...c,
    event: 'step.after',
    step: { ...c.step!, actualCostCents: 38, output: { summary: 'PS-7 in fair condition: minor ladder corrosion, flow and pressure normal.' } },
  };
}

/** ai-translate-verify on a specimen record (before). */
export function translateContext(): GuardContext {
  return {
    event: 'step.before',
    action: 'step.execute:ai-translate-verify',
    now: NOW,
    actor: { ...actor },
    run: baseRun({ workflow: 'specimen-record@1.0.0' }),
    step: {
      id: 'translate',
      executor: 'ai-translate-verify',
      with: { sourceLang: 'fi', targetLang: 'en' },
      estimatedCostCents: 30,
      estimatedTokens: 2000,
      estimatedMs: 10000,
    },
    contract: { ...SPECIMEN_CONTRACT },
    data: {
      specimenId: 'SP-2026-00417',
      collectedAt: '2026-11-10',
      taxon: 'Carabus nemoralis',
      site: { lat: 60.2, lon: 24.9, habitat: 'forest' },
      collector: { name: 'redacted:collector' },
      preservation: 'frozen',
      temperatureC: -20,
      notes: 'Kolme kovakuoriaista kaarnan alta.',
    },
    ai: { modelId: 'local/opus-mt', uncertainty: 0.1, inputs: [{ source: 'capture', text: 'Kolme kovakuoriaista kaarnan alta, pakastettu -20 °C:ssa.' }] },
    destination: { kind: 'model', region: 'device' },
  };
}

export function translateAfterContext(): GuardContext {
  const c = translateContext();
  return {
    ...c,
    event: 'step.after',
    step: { ...c.step!, actualCostCents: 25, output: { translation: 'Three beetles from under bark, frozen at -20 °C.', backTranslationSimilarity: 0.93 } },
  };
}

export function runStartContext(): GuardContext {
  return {
    event: 'run.start',
    action: 'run.start',
    now: NOW,
    actor: { ...actor },
    run: baseRun({ status: 'pending', spentCents: 0, tokensUsed: 0, elapsedMs: 0 }),
    contract: { ...SUBMIT_CONTRACT },
  };
}

export function approvalContext(): GuardContext {
  return {
    event: 'approval.decide',
    action: 'approval.decide',
    now: NOW,
    actor: { id: 'u-rev-1', role: 'reviewer', tenant: 'acme', region: 'eu-central-1' },
    run: baseRun({ status: 'awaiting_approval' }),
    decision: { state: 'approved', comment: null },
    approval: { state: 'pending' },
  };
}

export function captureContext(): GuardContext {
  const t = translateContext();
  return {
    event: 'record.capture',
    action: 'contract.capture',
    now: NOW,
    actor: { ...actor },
    subject: { kind: 'record', tenant: 'acme', ownerId: 'u-field-1', residency: 'eu' },
    contract: { ...SPECIMEN_CONTRACT },
    data: t.data,
  };
}

export function recordSubmitContext(): GuardContext {
  const s = submitContext();
  return {
    event: 'record.submit',
    action: 'contract.submit',
    now: NOW,
    actor: { ...actor },
    subject: { kind: 'record', tenant: 'acme', ownerId: 'u-field-1', residency: 'eu' },
    contract: s.contract,
    data: s.data,
    approval: s.approval,
    sync: s.sync,
  };
}

const VALUES: unknown[] = [null, 0, -1, 1.5, 2 ** 60, 'x', '', 'sha256:00', true, [], ['a'], {}, { from: 'b', to: 'a' }];

/** Deterministic variants of a context: delete or replace fields at depth one or two. */
function variants(base: () => GuardContext, seed: number, n: number): GuardContext[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const out: GuardContext[] = [];
  for (let i = 0; i < n; i++) {
    const c = base() as unknown as Record<string, unknown>;
    for (let m = 0; m < 1 + Math.floor(rnd() * 3); m++) {
      let obj: Record<string, unknown> = c;
      const k1 = pick(Object.keys(c).filter((k) => k !== 'actor' && k !== 'event' && k !== 'action'));
      const inner = c[k1];
      if (inner && typeof inner === 'object' && !Array.isArray(inner) && rnd() < 0.8) {
        obj = { ...(inner as Record<string, unknown>) };
        c[k1] = obj;
      }
      const keys = Object.keys(obj).filter((k) => obj !== c || (k !== 'actor' && k !== 'event' && k !== 'action'));
      if (!keys.length) continue;
      const k = pick(keys);
      if (rnd() < 0.3) delete obj[k];
      else obj[k] = pick(VALUES);
    }
    out.push(c as unknown as GuardContext);
  }
  return out;
}

/** Every sample context builder above, each allowed as built. */
export const SAMPLE_CONTEXTS = [
  submitContext,
  summarizeContext,
  summaryAfterContext,
  translateContext,
  translateAfterContext,
  runStartContext,
  approvalContext,
  captureContext,
  recordSubmitContext,
];

/**
 * Every sample context, each followed by 70 seeded variants of it (fields at depth one or two
 * deleted or replaced by odd values): ~640 contexts for tests that hold two evaluation paths to each other.
 */
export function guardVariants(): GuardContext[] {
  const out: GuardContext[] = [];
  SAMPLE_CONTEXTS.forEach((b, i) => {
    out.push(b());
    out.push(...variants(b, 1000 + i, 70));
  });
  return out;
}
