import { describe, expect, it } from 'vitest';
import { msg, type Message } from '../../../shared/messages';
import type { InjectionReport } from '../../../shared/policy/types';
import { classifyLane, DEFAULT_LANE_THRESHOLDS, findEchoedPii, findPlaintextPii, rewriteRedWhen, type LaneInput } from './lanes';
import { SITE_CONTRACT, SPECIMEN_CONTRACT, SUBMIT_CONTRACT } from './fixtures';

const injected: InjectionReport = { detected: true, score: 2.1, families: ['override', 'governance'], signals: [], scanned: 2, flaggedInputs: [1] };
const clean: InjectionReport = { detected: false, score: 0.4, families: [], signals: [], scanned: 2, flaggedInputs: [] };
const report = { conclusion: 'minor-issues', estimatedRepairCents: 50_000 };

describe('risk lanes: table', () => {
  const rows: [string, LaneInput, 'GREEN' | 'YELLOW' | 'RED', Message][] = [
    ['no contract, nothing', { plaintextPii: [], injection: null }, 'GREEN', msg('guard.lane.none')],
    [
      'contract default GREEN',
      { contract: SITE_CONTRACT, data: { findings: [] }, plaintextPii: [], injection: clean },
      'GREEN',
      msg('guard.lane.default', { name: SITE_CONTRACT.contract, lane: 'GREEN' }),
    ],
    [
      'contract default YELLOW',
      { contract: SUBMIT_CONTRACT, data: report, plaintextPii: [], injection: null },
      'YELLOW',
      msg('guard.lane.default', { name: SUBMIT_CONTRACT.contract, lane: 'YELLOW' }),
    ],
    [
      'redWhen holds (scalar)',
      { contract: SUBMIT_CONTRACT, data: { ...report, conclusion: 'unsafe' }, plaintextPii: [], injection: null },
      'RED',
      msg('guard.lane.red_rule', { rule: "conclusion == 'unsafe'" }),
    ],
    [
      'redWhen holds (list[].field)',
      { contract: SITE_CONTRACT, data: { findings: [{ severity: 'minor' }, { severity: 'critical' }] }, plaintextPii: [], injection: null },
      'RED',
      msg('guard.lane.red_rule', { rule: String(SITE_CONTRACT.riskHints?.redWhen) }),
    ],
    [
      'redWhen field absent → false',
      { contract: SPECIMEN_CONTRACT, data: { taxon: 'x' }, plaintextPii: [], injection: null },
      'GREEN',
      msg('guard.lane.default', { name: SPECIMEN_CONTRACT.contract, lane: 'GREEN' }),
    ],
    [
      'redWhen list absent → false',
      { contract: SITE_CONTRACT, data: {}, plaintextPii: [], injection: null },
      'GREEN',
      msg('guard.lane.default', { name: SITE_CONTRACT.contract, lane: 'GREEN' }),
    ],
    [
      'biohazard',
      { contract: SPECIMEN_CONTRACT, data: { hazard: 'biohazard' }, plaintextPii: [], injection: null },
      'RED',
      msg('guard.lane.red_rule', { rule: String(SPECIMEN_CONTRACT.riskHints?.redWhen) }),
    ],
    [
      'amount at the YELLOW threshold stays',
      {
        contract: { ...SUBMIT_CONTRACT, riskHints: { ...SUBMIT_CONTRACT.riskHints, defaultLane: 'GREEN' } },
        data: { estimatedRepairCents: 100_000 },
        plaintextPii: [],
        injection: null,
      },
      'GREEN',
      msg('guard.lane.default', { name: SUBMIT_CONTRACT.contract, lane: 'GREEN' }),
    ],
    [
      'amount above YELLOW',
      {
        contract: { ...SUBMIT_CONTRACT, riskHints: { ...SUBMIT_CONTRACT.riskHints, defaultLane: 'GREEN' } },
        data: { estimatedRepairCents: 100_001 },
        plaintextPii: [],
        injection: null,
      },
      'YELLOW',
      msg('guard.lane.amount_yellow', { field: 'estimatedRepairCents', cents: 100_001, limit: 100_000 }),
    ],
    [
      'amount above RED',
      { contract: SUBMIT_CONTRACT, data: { estimatedRepairCents: 1_500_000 }, plaintextPii: [], injection: null },
      'RED',
      msg('guard.lane.amount_red', { field: 'estimatedRepairCents', cents: 1_500_000, limit: 1_000_000 }),
    ],
    [
      'amount not integer cents → RED',
      { contract: SUBMIT_CONTRACT, data: { estimatedRepairCents: 99.5 }, plaintextPii: [], injection: null },
      'RED',
      msg('guard.lane.amount_invalid', { field: 'estimatedRepairCents', value: '99.5' }),
    ],
    [
      'PII in plaintext → YELLOW',
      { contract: SITE_CONTRACT, data: {}, plaintextPii: ['/inspector/name'], injection: null },
      'YELLOW',
      msg('guard.lane.pii', { n: 1, fields: '/inspector/name' }),
    ],
    ['uncertainty 0.5 stays GREEN', { plaintextPii: [], uncertainty: 0.5, injection: null }, 'GREEN', msg('guard.lane.none')],
    [
      'uncertainty 0.51 → YELLOW',
      { plaintextPii: [], uncertainty: 0.51, injection: null },
      'YELLOW',
      msg('guard.lane.uncertainty_yellow', { value: 0.51, limit: 0.5 }),
    ],
    [
      'uncertainty 0.8 → YELLOW',
      { plaintextPii: [], uncertainty: 0.8, injection: null },
      'YELLOW',
      msg('guard.lane.uncertainty_yellow', { value: 0.8, limit: 0.5 }),
    ],
    ['uncertainty 0.81 → RED', { plaintextPii: [], uncertainty: 0.81, injection: null }, 'RED', msg('guard.lane.uncertainty_red', { value: 0.81, limit: 0.8 })],
    ['uncertainty NaN → RED', { plaintextPii: [], uncertainty: NaN, injection: null }, 'RED', msg('guard.lane.uncertainty_invalid', { value: 'NaN' })],
    [
      'injection → RED',
      { contract: SITE_CONTRACT, data: {}, plaintextPii: [], injection: injected },
      'RED',
      msg('guard.lane.injection', { flagged: 1, n: 2, score: '2.10', families: 'override, governance' }),
    ],
    ['weak cues only → no raise', { plaintextPii: [], injection: clean }, 'GREEN', msg('guard.lane.none')],
    [
      'unknown default lane → RED',
      { contract: { ...SITE_CONTRACT, riskHints: { defaultLane: 'PURPLE' } }, plaintextPii: [], injection: null },
      'RED',
      msg('guard.lane.default_unknown', { name: SITE_CONTRACT.contract, value: 'PURPLE' }),
    ],
    [
      'redWhen that does not compile → RED',
      { contract: { ...SITE_CONTRACT, riskHints: { redWhen: 'severity ==' } }, data: {}, plaintextPii: [], injection: null },
      'RED',
      { code: 'guard.lane.red_rule_error', params: expect.objectContaining({ rule: 'severity ==' }) as Message['params'] },
    ],
  ];
  it.each(rows)('%s', (_name, input, lane, reason) => {
    const r = classifyLane(input, DEFAULT_LANE_THRESHOLDS);
    expect(r.lane).toBe(lane);
    expect(r.reasons).toContainEqual(reason);
  });

  it('the highest rule wins and every raising rule is explained', () => {
    const r = classifyLane({
      contract: SUBMIT_CONTRACT,
      data: { estimatedRepairCents: 200_000 },
      plaintextPii: ['/submittedBy/name'],
      uncertainty: 0.9,
      injection: null,
    });
    expect(r.lane).toBe('RED');
    expect(r.reasons).toEqual([
      msg('guard.lane.default', { name: 'field.submit.report@1.0.0', lane: 'YELLOW' }),
      msg('guard.lane.amount_yellow', { field: 'estimatedRepairCents', cents: 200_000, limit: 100_000 }),
      msg('guard.lane.pii', { n: 1, fields: '/submittedBy/name' }),
      msg('guard.lane.uncertainty_red', { value: 0.9, limit: 0.8 }),
    ]);
  });

  it('policy thresholds replace the defaults', () => {
    const t = { ...DEFAULT_LANE_THRESHOLDS, uncertaintyYellow: 0.2, piiLane: 'RED' as const };
    expect(classifyLane({ plaintextPii: [], uncertainty: 0.3, injection: null }, t).lane).toBe('YELLOW');
    expect(classifyLane({ plaintextPii: ['/a'], injection: null }, t).lane).toBe('RED');
  });
});

describe('PII helpers', () => {
  it('plaintext PII: present, non-empty, not sealed or redacted', () => {
    const pointers = ['/inspector/name', '/inspector/phone', '/a/b', '/sealed', '/redacted', '/empty'];
    const data = { inspector: { name: 'Aino', phone: '' }, sealed: 'enc:v1:abc', redacted: { $redacted: true }, empty: [] };
    expect(findPlaintextPii(pointers, data)).toEqual(['/inspector/name']);
    expect(findPlaintextPii(undefined, data)).toEqual([]);
  });

  it('echoed PII: values repeated in the output (case-insensitive), pointers only', () => {
    const data = { inspector: { name: 'Aino Virtanen', phone: '040 1234' }, collector: { name: 'Al' } };
    expect(
      findEchoedPii(['/inspector/name', '/inspector/phone', '/collector/name'], data, { summary: 'Seen by AINO VIRTANEN.', alt: ['call 040 1234'] }),
    ).toEqual(['/inspector/name', '/inspector/phone']);
  });

  it('redWhen list notation is rewritten to exists()', () => {
    expect(rewriteRedWhen("findings[].severity == 'critical'")).toBe("findings != null && findings.exists(__e, __e.severity == 'critical')");
    expect(rewriteRedWhen("tags[] == 'x'")).toBe("tags != null && tags.exists(__e, __e == 'x')");
    expect(rewriteRedWhen("conclusion == 'unsafe'")).toBe("conclusion == 'unsafe'");
  });
});
