import { describe, expect, it } from 'vitest';
import type { InjectionReport } from '../../../shared/policy/types';
import { classifyLane, DEFAULT_LANE_THRESHOLDS, findEchoedPii, findPlaintextPii, rewriteRedWhen, type LaneInput } from './lanes';
import { SITE_CONTRACT, SPECIMEN_CONTRACT, SUBMIT_CONTRACT } from './fixtures';

const injected: InjectionReport = { detected: true, score: 2.1, families: ['override', 'governance'], signals: [], scanned: 2, flaggedInputs: [1] };
const clean: InjectionReport = { detected: false, score: 0.4, families: [], signals: [], scanned: 2, flaggedInputs: [] };
const report = { conclusion: 'minor-issues', estimatedRepairCents: 50_000 };

describe('risk lanes: table', () => {
  const rows: [string, LaneInput, 'GREEN' | 'YELLOW' | 'RED', RegExp][] = [
    ['no contract, nothing', { plaintextPii: [], injection: null }, 'GREEN', /^No risk signal/],
    ['contract default GREEN', { contract: SITE_CONTRACT, data: { findings: [] }, plaintextPii: [], injection: clean }, 'GREEN', /defaults to GREEN/],
    ['contract default YELLOW', { contract: SUBMIT_CONTRACT, data: report, plaintextPii: [], injection: null }, 'YELLOW', /defaults to YELLOW/],
    [
      'redWhen holds (scalar)',
      { contract: SUBMIT_CONTRACT, data: { ...report, conclusion: 'unsafe' }, plaintextPii: [], injection: null },
      'RED',
      /red rule holds.*conclusion == 'unsafe'/,
    ],
    [
      'redWhen holds (list[].field)',
      { contract: SITE_CONTRACT, data: { findings: [{ severity: 'minor' }, { severity: 'critical' }] }, plaintextPii: [], injection: null },
      'RED',
      /findings\[\]\.severity/,
    ],
    ['redWhen field absent → false', { contract: SPECIMEN_CONTRACT, data: { taxon: 'x' }, plaintextPii: [], injection: null }, 'GREEN', /defaults to GREEN/],
    ['redWhen list absent → false', { contract: SITE_CONTRACT, data: {}, plaintextPii: [], injection: null }, 'GREEN', /defaults to GREEN/],
    ['biohazard', { contract: SPECIMEN_CONTRACT, data: { hazard: 'biohazard' }, plaintextPii: [], injection: null }, 'RED', /hazard == 'biohazard'/],
    [
      'amount at the YELLOW threshold stays',
      {
        contract: { ...SUBMIT_CONTRACT, riskHints: { ...SUBMIT_CONTRACT.riskHints, defaultLane: 'GREEN' } },
        data: { estimatedRepairCents: 100_000 },
        plaintextPii: [],
        injection: null,
      },
      'GREEN',
      /defaults to GREEN/,
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
      /100001 cents, above the YELLOW threshold of 100000 cents/,
    ],
    [
      'amount above RED',
      { contract: SUBMIT_CONTRACT, data: { estimatedRepairCents: 1_500_000 }, plaintextPii: [], injection: null },
      'RED',
      /1500000 cents, above the RED threshold of 1000000 cents/,
    ],
    [
      'amount not integer cents → RED',
      { contract: SUBMIT_CONTRACT, data: { estimatedRepairCents: 99.5 }, plaintextPii: [], injection: null },
      'RED',
      /not a non-negative integer/,
    ],
    [
      'PII in plaintext → YELLOW',
      { contract: SITE_CONTRACT, data: {}, plaintextPii: ['/inspector/name'], injection: null },
      'YELLOW',
      /1 PII field in plaintext.*\/inspector\/name/,
    ],
    ['uncertainty 0.5 stays GREEN', { plaintextPii: [], uncertainty: 0.5, injection: null }, 'GREEN', /^No risk signal/],
    ['uncertainty 0.51 → YELLOW', { plaintextPii: [], uncertainty: 0.51, injection: null }, 'YELLOW', /uncertainty 0.51 is above 0.5/],
    ['uncertainty 0.8 → YELLOW', { plaintextPii: [], uncertainty: 0.8, injection: null }, 'YELLOW', /above 0.5/],
    ['uncertainty 0.81 → RED', { plaintextPii: [], uncertainty: 0.81, injection: null }, 'RED', /uncertainty 0.81 is above 0.8/],
    ['uncertainty NaN → RED', { plaintextPii: [], uncertainty: NaN, injection: null }, 'RED', /not a number in 0..1/],
    [
      'injection → RED',
      { contract: SITE_CONTRACT, data: {}, plaintextPii: [], injection: injected },
      'RED',
      /Prompt injection detected in 1 of 2 AI inputs \(score 2.10; override, governance\)/,
    ],
    ['weak cues only → no raise', { plaintextPii: [], injection: clean }, 'GREEN', /^No risk signal/],
    [
      'unknown default lane → RED',
      { contract: { ...SITE_CONTRACT, riskHints: { defaultLane: 'PURPLE' } }, plaintextPii: [], injection: null },
      'RED',
      /unknown default lane/,
    ],
    [
      'redWhen that does not compile → RED',
      { contract: { ...SITE_CONTRACT, riskHints: { redWhen: 'severity ==' } }, data: {}, plaintextPii: [], injection: null },
      'RED',
      /could not be evaluated/,
    ],
  ];
  it.each(rows)('%s', (_name, input, lane, reason) => {
    const r = classifyLane(input, DEFAULT_LANE_THRESHOLDS);
    expect(r.lane).toBe(lane);
    expect(r.reasons.join(' ')).toMatch(reason);
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
      'Contract field.submit.report@1.0.0 defaults to YELLOW.',
      'Amount estimatedRepairCents is 200000 cents, above the YELLOW threshold of 100000 cents.',
      '1 PII field in plaintext in the outgoing data (/submittedBy/name).',
      'Model uncertainty 0.9 is above 0.8.',
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
