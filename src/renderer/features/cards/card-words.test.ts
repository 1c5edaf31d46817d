import { beforeAll, describe, expect, it } from 'vitest';
import type { DecisionCard } from '../../../shared/workflow/types';
import { initI18n } from '../../i18n';
import { approvalWords, cardLead, checksLine, emptyCardsText, plainOf, reasonInvariant, rolesInWords, type TextsById } from './card-words';

// The words come from the `cards` messages (English here).
beforeAll(() => void initI18n('en'));

const texts: TextsById = {
  'INV.APPROVAL.RED': {
    en: {
      what: 'Work marked high risk (red) goes on only after a reviewer approved it.',
      failed: 'This work is marked high risk (red), so a reviewer must approve it before it goes on.',
      next: 'A reviewer approves or rejects it. You will see the result here.',
    },
    fi: { what: 'Punainen työ odottaa hyväksyntää.', failed: 'Tämä työ on merkitty punaiseksi.', next: 'Tarkastaja päättää.' },
  },
  'INV.SYNC.FRESH_FOR_SUBMIT': {
    en: {
      what: 'A report is sent only from a device that synced recently.',
      failed: 'This device has not synced recently enough to send reports.',
      next: 'Connect to the network, press Sync now, then send again.',
    },
  },
};

const red = {
  id: 'INV.APPROVAL.RED',
  pass: false,
  message: 'Lane is RED and the approval is not_required: [...]',
  values: { lane: 'RED', 'approval.state': 'not_required' },
};
const budget = { id: 'INV.BUDGET.CAP', pass: true, message: null, values: {} };

function card(over: Partial<DecisionCard> = {}): DecisionCard {
  return {
    id: 'card_1',
    kind: 'step',
    runId: 'run_1',
    stepId: 'summarize',
    subject: 'site-inspection-report@1.0.0 · summarize',
    createdAt: '2026-12-01T10:00:00.000Z',
    options: [],
    chosen: null,
    rationale: 'Waiting for a reviewer before summarize: INV.APPROVAL.RED: Lane is RED and the approval is not_required: [...]',
    invariants: [budget, red],
    policy: { decision: 'allow', reasons: [], policyVersion: '1.0.0' },
    lane: 'RED',
    laneReasons: ['The contract’s red rule holds for this data.'],
    approval: { state: 'not_required', by: null, at: null, comment: null },
    evidence: { memoryIds: [], bundleDigests: [], modelId: null },
    nextSafeStep: 'Ask a reviewer to approve',
    status: 'awaiting_approval',
    auditHash: 'abc',
    ...over,
  };
}

describe('plain words of an invariant', () => {
  it('looks up the language, falls back to English, then to the engine’s words, then to a general sentence', () => {
    expect(plainOf('INV.APPROVAL.RED', texts, 'fi').failed).toBe('Tämä työ on merkitty punaiseksi.');
    expect(plainOf('INV.SYNC.FRESH_FOR_SUBMIT', texts, 'fi').next).toBe('Connect to the network, press Sync now, then send again.');
    expect(plainOf('INV.ENGINE.BUDGET_COST', texts).failed).toBe('This step would cost more than the money left for this work.');
    expect(plainOf('INV.SOMETHING.NEW', texts).failed).toBe('One of your organisation’s rules did not pass.');
  });

  it('finds the invariant at the start of an engine reason line', () => {
    expect(reasonInvariant('INV.APPROVAL.RED: Lane is RED')).toBe('INV.APPROVAL.RED');
    expect(reasonInvariant('guard failed: boom')).toBeNull();
  });

  it('names roles in words', () => {
    expect(rolesInWords(['reviewer', 'admin'])).toBe('reviewer and admin');
    expect(rolesInWords([])).toBe('not enrolled in a team yet');
  });
});

describe('the lead of a decision card', () => {
  it('a waiting RED card tells a reviewer what happened and why it is theirs, without codes', () => {
    const lead = cardLead(card(), { texts, roles: ['reviewer'] });
    expect(lead.what).toBe('This work is marked high risk (red), so a reviewer must approve it before it goes on.');
    expect(lead.why).toBe('You are a reviewer for this team, so you can approve or reject it.');
    expect(lead.next).toBe('Check what it concerns, then approve or reject it.');
    expect(lead.checks).toBe('Waiting for approval');
    expect(JSON.stringify(lead)).not.toMatch(/INV\.|not_required|RED:/);
  });

  it('a field user is told who decides and what happens next', () => {
    const lead = cardLead(card(), { texts, roles: ['field'] });
    expect(lead.why).toBe('A reviewer of your team decides. This device is enrolled as a field user, so you cannot decide it yourself.');
    expect(lead.next).toBe('A reviewer approves or rejects it. You will see the result here.');
  });

  it('another device’s card says where it comes from', () => {
    expect(cardLead(card(), { texts, roles: ['admin'], remote: true }).why).toBe(
      'It was recorded on another device. You are an admin for this team, so you can approve or reject it here.',
    );
  });

  it('an approved card does not say a check failed: the check that held it passes once approved', () => {
    const approved = card({ status: 'approved', approval: { state: 'approved', by: 'prof_erin', at: '2026-12-01T11:00:00.000Z', comment: 'Looks right' } });
    const lead = cardLead(approved, { texts, roles: ['field'], nameOf: (id) => (id === 'prof_erin' ? 'Erin' : id) });
    expect(lead.what).toBe('Approved by Erin: “Looks right” The check that held it waited for this approval; it passes now that it is approved.');
    expect(lead.problems).toEqual([]);
    expect(checksLine(approved)).toBe('Held for approval, then approved');
    expect(approvalWords(approved, () => 'Erin')).toBe('Approved by Erin');
  });

  it('a denied card says what stopped it and what to do next', () => {
    const stale = { id: 'INV.SYNC.FRESH_FOR_SUBMIT', pass: false, message: 'Last accepted sync null is older than 24 h', values: { 'sync.ageMs': null } };
    const lead = cardLead(card({ status: 'denied', invariants: [budget, stale] }), { texts, roles: ['field'] });
    expect(lead.what).toBe('This was stopped. This device has not synced recently enough to send reports.');
    expect(lead.next).toBe('Connect to the network, press Sync now, then send again.');
    expect(lead.tone).toBe('error');
    expect(checksLine(card({ status: 'denied', invariants: [budget, stale] }))).toBe('1 of 2 checks did not pass');
  });

  it('the approval line never says "not required" on a card that waits', () => {
    expect(approvalWords(card())).toBe('Waiting for a reviewer');
    expect(approvalWords(card({ status: 'allowed', invariants: [budget] }))).toBe('No approval needed');
  });

  it('cards written outside runs keep their own sentence', () => {
    const q = card({ kind: 'bundle.quarantine', runId: '', stepId: null, rationale: 'The files changed after sealing.', status: 'denied', invariants: [] });
    expect(cardLead(q, { texts, roles: [] }).what).toBe('The files changed after sealing.');
  });
});

describe('an empty card list', () => {
  it('says "Nothing waiting for you" when filtered to waiting cards, and what to do otherwise', () => {
    expect(emptyCardsText({ status: 'awaiting_approval' })).toBe('Nothing waiting for you. Cards that need an approval appear here as runs reach them.');
    expect(emptyCardsText({ status: 'awaiting_approval', lane: 'RED' })).toMatch(/^Nothing waiting for you among these cards/);
    expect(emptyCardsText({ lane: 'RED', text: '' })).toBe('No card matches these filters. Clear the filters to see every card.');
    expect(emptyCardsText({})).toMatch(/^No decision cards yet\./);
  });
});
