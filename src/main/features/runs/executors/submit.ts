// submit@1: submit the run's data under a submit contract through the capture service (record +
// audit + outbox in one transaction). Governance may refuse (stale device, blocked, risk): that is
// this step failing with the refusal's reason, and the saga compensates what came before.
import type { Executor } from './types';
import { withdrawOutboxItem } from './withdraw';
import { runWords } from '../words';

export const submit: Executor = {
  name: 'submit',
  majors: [1],
  title: 'Submit',
  withSchema: { type: 'object', additionalProperties: false, properties: { contract: { type: 'string', minLength: 1, maxLength: 200 } } },
  compensations: {
    withdraw(ctx) {
      const { outboxId } = ctx.output;
      if (typeof outboxId !== 'string') return { outcome: 'nothing-submitted' };
      return withdrawOutboxItem(ctx.deps, outboxId, ctx.actor, ctx.reason);
    },
  },
  check(params, manifest, contracts) {
    const ref = (params.contract as string | undefined) ?? manifest.input.contract;
    if (!contracts.has(ref)) return `submit: unknown contract ${ref}`;
    return null;
  },
  estimate: () => ({ tokens: 0, costCents: 0, latencyMs: 30, uncertainty: 0.05 }),
  options: () => [
    {
      id: 'submit-now',
      label: 'Submit now (record + outbox; sent at the next sync)',
      labelWords: runWords('submit_option'),
      predictedQuality: 1,
      predictedCostCents: 0,
      latencyMs: 30,
      uncertainty: 0.05,
    },
    {
      id: 'hold',
      label: 'Hold (keep the draft, do not submit)',
      labelWords: runWords('hold_submit_option'),
      predictedQuality: 0.3,
      predictedCostCents: 0,
      latencyMs: 0,
      uncertainty: 0,
    },
  ],
  execute(ctx) {
    const { contracts, capture, governance } = ctx.deps;
    const contract = (ctx.params.contract as string | undefined) ?? ctx.inputContract;
    const kind = contracts.get(contract).doc.kind;
    // Ask first, so a refusal is this step's failure with governance's words (capture.submit asks again).
    governance?.assertAllowed(kind);
    contracts.validate(contract, ctx.input);
    const draft = [...ctx.prior].reverse().find((p) => p.executor === 'capture-form' && typeof p.output.draftId === 'string' && p.output.contract === contract);
    const draftId = draft?.output.draftId as string | undefined;
    return {
      output: { contract, kind },
      usage: { tokens: 0, costCents: 0 },
      chosen: 'submit-now',
      rationale: `Submitted under ${contract}${draftId ? ` (from draft ${draftId})` : ''}.`,
      rationaleWords: draftId ? runWords('submitted_draft', { contract, draft: draftId }) : runWords('submitted', { contract }),
      commit: () => {
        let stillThere = false;
        if (draftId !== undefined) {
          try {
            capture.getDraft(draftId);
            stillThere = true;
          } catch {
            // The user deleted the draft meanwhile: submit the run's data without it.
          }
        }
        const r = capture.submit({ contract, data: ctx.input, ...(stillThere ? { draftId } : {}) });
        return { recordId: r.recordId, outboxId: r.outboxId, ...(stillThere ? { draftId } : {}) };
      },
    };
  },
};
