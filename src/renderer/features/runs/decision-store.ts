// A reviewer's approve / reject, whichever device recorded the run: this device's runs through
// runs.decide (the reply carries the run, shown as is; 'runs.changed' brings the rest), another
// device's through runs.decide with scope 'tenant' (signed, encrypted, queued for sync; the reply's state is shown on the
// card and run rows and the open detail). No list is reloaded for the decision itself.
import { create } from 'zustand';
import type { TeamCardView } from '../../../shared/team/views';
import { call } from '../../api/client';
import { cardList } from '../cards/cards-store';
import { cardKey, inScope } from '../team/team';
import { runList } from './run-list-store';
import { useRunDetail } from './run-detail-store';
import { confirmationOf, type DecisionTarget } from './decision-words';
import { useDirectory } from '../../ui/directory-store';
import { whoLabel } from '../../ui/who';

export type { Decision } from './decision-words';

export type { DecisionTarget } from './decision-words';

interface DecisionStore {
  deciding: DecisionTarget | null;
  /** What was just decided and what happens next (shown, and focused, after the dialog closes). */
  confirmation: string | null;
  ask(d: DecisionTarget | null): void;
  decide(comment: string): Promise<void>;
  dismiss(): void;
}

type TenantTarget = Extract<DecisionTarget, { scope: 'tenant' }>;

/** Shows a decision sent from here on the tenant's card and run rows and the open run. */
function applyTeamDecision(t: TenantTarget, decision: NonNullable<TeamCardView['decision']>): void {
  cardList('tenant')
    .getState()
    .update(cardKey({ device: t.device, card: { id: t.cardId } }), (r) => (r.team ? { ...r, team: { ...r.team, decision } } : r));
  runList('tenant')
    .getState()
    .update(`${t.device}/${t.runId}`, (r) => (r.team ? { ...r, team: { ...r.team, decision } } : r));
  useRunDetail.getState().applyDecision(t.device, t.runId, t.cardId, decision);
}

/** Scope → request: runs.decide for this device's runs, and with scope 'tenant' for another device's. */
async function sendDecision(d: DecisionTarget, comment: string): Promise<void> {
  if (d.scope === 'device') {
    const { run } = inScope(await call('runs.decide', { runId: d.runId, decision: d.decision, comment, confirm: true }), 'device');
    useRunDetail.getState().applyRun(run);
    return;
  }
  const req = { scope: 'tenant', device: d.device, runId: d.runId, cardId: d.cardId, decision: d.decision, comment, confirm: true } as const;
  const res = inScope(await call('runs.decide', req), 'tenant');
  const decided = d.decision === 'approve' ? 'approved' : 'rejected';
  applyTeamDecision(d, { state: res.state, decision: decided, at: new Date().toISOString(), message: null });
}

export const useDecision = create<DecisionStore>((set, get) => ({
  deciding: null,
  confirmation: null,
  ask: (deciding) => set({ deciding, ...(deciding ? { confirmation: null } : {}) }),
  async decide(comment) {
    const d = get().deciding;
    if (!d) return;
    await sendDecision(d, comment);
    // The other device by name (never its id), as Who shows it.
    const where = d.scope === 'tenant' ? whoLabel(useDirectory.getState().directory, { device: d.device }) : null;
    set({ deciding: null, confirmation: confirmationOf(d, where?.known ? where.text : undefined) });
  },
  dismiss: () => set({ confirmation: null }),
}));
