import { describe, expect, it } from 'vitest';
import { msg } from '../../../shared/messages';
import { localeWords } from '../../platform/test-utils';
import { ARM_OPTION_ID, chooseArm, DEFAULT_MODEL_TPS, MODEL_OVERHEAD_MS, modelLatencyMs, PROMPT_SPEEDUP, type ArmRequest } from './router';

const roomy = { tokens: 20_000, costCents: 50, wallMs: 600_000 };
const base = (o: Partial<ArmRequest> = {}): ArmRequest => ({
  step: 'summarize',
  modelAvailable: true,
  tokensEstimate: 900,
  outputTokens: 150,
  budgetLeft: roomy,
  modelTps: 20,
  uncertaintyModel: 0.3,
  uncertaintyFallback: 0.45,
  qualityModel: 0.8,
  qualityFallback: 0.55,
  fallbackTokens: 120,
  fallbackLatencyMs: 6,
  modelId: 'model.x@1.0.0',
  fallbackId: 'extractive@1',
  ...o,
});

describe('chooseArm', () => {
  it('picks the model when it is available and fits the budget; every arm is an option with predictions', () => {
    const d = chooseArm(base());
    expect(d.chosen).toBe('model');
    expect(d.options.map((o) => o.id)).toEqual([ARM_OPTION_ID.model, ARM_OPTION_ID.fallback, ARM_OPTION_ID.skip]);
    expect(d.options.map((o) => o.id)).toEqual(['local-model', 'fallback', 'skip']);
    for (const o of d.options) {
      expect(o.predictedQuality).toBeGreaterThanOrEqual(0);
      expect(o.predictedQuality).toBeLessThanOrEqual(1);
      expect(o.uncertainty).toBeGreaterThanOrEqual(0);
      expect(o.uncertainty).toBeLessThanOrEqual(1);
      expect(o.predictedCostCents).toBe(0);
      expect(o.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(d.options[0]).toMatchObject({ predictedQuality: 0.8, uncertainty: 0.3, latencyMs: d.model.latencyMs, label: 'Local model model.x@1.0.0' });
    expect(d.options[1]).toMatchObject({ predictedQuality: 0.55, uncertainty: 0.45, latencyMs: 6 });
    expect(d.model).toMatchObject({ available: true, fits: true, tokens: 900, utility: 0.56, misses: [] });
    expect(d.fallback).toMatchObject({ fits: true, tokens: 120, utility: 0.303 });
    expect(d.reason).toMatch(/model\.x@1\.0\.0 fits the run's budget .* scores 0\.56 against extractive@1's 0\.303/);
  });

  it('latency: overhead + prompt tokens at PROMPT_SPEEDUP × the rate + output tokens at the rate', () => {
    expect(modelLatencyMs(900, 150, 20)).toBe(Math.ceil(MODEL_OVERHEAD_MS + (750 * 1000) / (20 * PROMPT_SPEEDUP) + (150 * 1000) / 20));
    // No measured rate yet: the conservative default.
    expect(modelLatencyMs(100, 100, null)).toBe(Math.ceil(MODEL_OVERHEAD_MS + (100 * 1000) / DEFAULT_MODEL_TPS));
    expect(modelLatencyMs(100, 100, 0)).toBe(modelLatencyMs(100, 100, null));
  });

  it('falls back when no model is loaded, with the reason', () => {
    const d = chooseArm(base({ modelAvailable: false, modelId: null, unavailableReason: 'no verified text model bundle is installed' }));
    expect(d.chosen).toBe('fallback');
    expect(d.reason).toBe('no verified text model bundle is installed: extractive@1 runs.');
    expect(d.options[0]!.label).toBe('Local model (unavailable: no verified text model bundle is installed)');
  });

  it('falls back when the model does not fit the tokens, the wall time, or the cents left', () => {
    const tokens = chooseArm(base({ budgetLeft: { ...roomy, tokens: 500 } }));
    expect(tokens.chosen).toBe('fallback');
    expect(tokens.model.fits).toBe(false);
    expect(tokens.reason).toMatch(/does not fit the run's budget \(≈900 tokens, 500 left\)/);
    expect(tokens.options[0]!.label).toMatch(/over budget/);

    const wall = chooseArm(base({ budgetLeft: { ...roomy, wallMs: 2_000 } }));
    expect(wall.chosen).toBe('fallback');
    expect(wall.reason).toMatch(/of wall time left/);

    // A slow model (measured) no longer fits a tight wall budget that a fast one does.
    expect(chooseArm(base({ modelTps: 1_000, budgetLeft: { ...roomy, wallMs: 2_000 } })).chosen).toBe('model');

    const broke = chooseArm(base({ budgetLeft: { ...roomy, costCents: -1 } }));
    expect(broke.chosen).toBe('skip');
  });

  it('skip only when nothing fits (the engine budget checks then block the step)', () => {
    const d = chooseArm(base({ budgetLeft: { tokens: 10, costCents: 50, wallMs: 600_000 } }));
    expect(d.chosen).toBe('skip');
    expect(d.reason).toMatch(/^Nothing fits the run's budget/);
    expect(d.options[1]!.label).toMatch(/over budget/);
  });

  it('an exact fallback beats the model (a same-language translation is a pass-through); ties go to the fallback', () => {
    const same = chooseArm(base({ step: 'translate', qualityFallback: 0.9, uncertaintyFallback: 0.1 }));
    expect(same.chosen).toBe('fallback');
    expect(same.reason).toMatch(/extractive@1 scores 0\.81, at least model\.x@1\.0\.0's 0\.56/);
    const tie = chooseArm(base({ qualityFallback: 0.8, uncertaintyFallback: 0.3 }));
    expect(tie.chosen).toBe('fallback');
    // A translation that is needed: the pass-through is worth little, the model wins.
    expect(chooseArm(base({ step: 'translate', qualityFallback: 0.1, uncertaintyFallback: 0.9 })).chosen).toBe('model');
  });

  it('an over-budget fallback does not stop a model that fits', () => {
    const d = chooseArm(
      base({ fallbackTokens: 5_000, tokensEstimate: 900, budgetLeft: { ...roomy, tokens: 1_000 }, qualityFallback: 1, uncertaintyFallback: 0 }),
    );
    expect(d.chosen).toBe('model');
  });

  it('clamps nonsense predictions into 0..1 (NaN is "no idea")', () => {
    const d = chooseArm(base({ qualityModel: 7, uncertaintyModel: Number.NaN }));
    expect(d.options[0]).toMatchObject({ predictedQuality: 1, uncertainty: 1 });
    expect(d.model.utility).toBe(0);
    expect(d.chosen).toBe('fallback');
  });

  it('unbounded budgets (no run): the model fits', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(chooseArm(base({ budgetLeft: { tokens: inf, costCents: inf, wallMs: inf } })).chosen).toBe('model');
  });
});

// The reason and the option labels as words (decision 0030): in English they read as the card's text
// (digit grouping aside); in Swedish and Arabic every code has words of its own.
describe('chooseArm in words', () => {
  const ungrouped = (t: string) => t.replace(/(\d),(?=\d{3}\b)/g, '$1');
  const inf = Number.POSITIVE_INFINITY;
  const cases: [string, ArmRequest][] = [
    ['model', base()],
    ['model, whole seconds', base({ modelTps: 2 })],
    ['model, one decimal', base({ modelTps: 200, budgetLeft: { ...roomy, wallMs: 2_000 } })],
    ['model, no budget', base({ budgetLeft: { tokens: inf, costCents: inf, wallMs: inf } })],
    ['unavailable (text)', base({ modelAvailable: false, modelId: null, unavailableReason: 'no local text model is loaded' })],
    [
      'unavailable (a slot message)',
      base({
        modelAvailable: false,
        unavailableReason: 'no verified text model bundle is installed',
        unavailableWhy: msg('models.fallback.no_text_model'),
      }),
    ],
    ['over tokens', base({ budgetLeft: { ...roomy, tokens: 500 } })],
    ['over wall time', base({ budgetLeft: { ...roomy, wallMs: 2_000 } })],
    ['over tokens and wall time', base({ budgetLeft: { ...roomy, tokens: 500, wallMs: 2_000 } })],
    ['fallback scores', base({ step: 'translate', qualityFallback: 0.9, uncertaintyFallback: 0.1 })],
    ['skip', base({ budgetLeft: { tokens: 10, costCents: 50, wallMs: 600_000 } })],
    ['skip, cents', base({ budgetLeft: { ...roomy, costCents: -1 } })],
    ['skip, unavailable', base({ modelAvailable: false, budgetLeft: { tokens: 10, costCents: 50, wallMs: 3 } })],
    ['skip, model fits', base({ fallbackTokens: 30_000, budgetLeft: { ...roomy, tokens: 20_000 }, qualityModel: 0.1 })],
  ];

  it('read in English as the card’s text, and in Swedish and Arabic with no code left unworded', () => {
    const en = localeWords('en');
    for (const [name, req] of cases) {
      const d = chooseArm(req);
      expect(ungrouped(en.words(d.reasonWords)), name).toBe(d.reason);
      for (const o of d.options) expect(en.words(o.labelWords!), `${name}: ${o.id}`).toBe(o.label);
      for (const lang of ['sv', 'ar']) {
        const l = localeWords(lang);
        const said = l.words(d.reasonWords);
        expect(said, `${name} in ${lang}`).not.toBe(d.reason);
        expect(said, `${name} in ${lang}`).not.toMatch(/\b(?:system|models)\.[a-z_]+\.[a-z_]+/);
        for (const o of d.options) expect(l.words(o.labelWords!)).not.toMatch(/\bsystem\.arm\./);
      }
    }
  });

  it('covers every way the router decides', () => {
    const codes = new Set(cases.map(([, r]) => chooseArm(r).reasonWords.text.code));
    expect([...codes].sort()).toEqual(
      ['system.arm.fallback_scores', 'system.arm.model_chosen', 'system.arm.model_over_budget', 'system.arm.nothing_fits', 'system.arm.unavailable'].sort(),
    );
  });
});
