// capture-form@1: validate the run's input against its contract and store it through the capture
// service. A capture-kind contract becomes a record + outbox item (offline capture is always
// allowed); a submit-kind contract is kept as a draft, which the submit step turns into the record.
import { hash } from 'node:crypto';
import { canonicalJson } from '../../../../shared/canonical';
import type { Executor } from './types';
import { withdrawDraft, withdrawOutboxItem } from './withdraw';
import { runWords } from '../words';

type Store = 'record' | 'draft';

function storeOf(params: Record<string, unknown>, kind: string): Store {
  const s = (params.store as string | undefined) ?? 'auto';
  if (s === 'record' || s === 'draft') return s;
  return kind === 'capture' ? 'record' : 'draft';
}

export const captureForm: Executor = {
  name: 'capture-form',
  majors: [1],
  title: 'Capture the form',
  withSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { store: { enum: ['auto', 'record', 'draft'] } },
  },
  compensations: {
    withdraw(ctx) {
      const { outboxId, draftId } = ctx.output;
      if (typeof outboxId === 'string') return withdrawOutboxItem(ctx.deps, outboxId, ctx.actor, ctx.reason);
      if (typeof draftId === 'string') return withdrawDraft(ctx.deps, draftId);
      return { outcome: 'nothing-stored' };
    },
  },
  estimate: () => ({ tokens: 0, costCents: 0, latencyMs: 20, uncertainty: 0 }),
  options(ctx) {
    const kind = ctx.deps.contracts.get(ctx.inputContract).doc.kind;
    const store = storeOf(ctx.params, kind);
    return [
      {
        id: 'store-record',
        label: 'Store the record and queue it for sync',
        labelWords: runWords('store_record_option'),
        predictedQuality: store === 'record' ? 1 : 0.6,
        predictedCostCents: 0,
        latencyMs: 20,
        uncertainty: 0,
      },
      {
        id: 'store-draft',
        label: 'Keep it as a draft until the submit step',
        labelWords: runWords('store_draft_option'),
        predictedQuality: store === 'draft' ? 1 : 0.6,
        predictedCostCents: 0,
        latencyMs: 10,
        uncertainty: 0,
      },
      {
        id: 'hold',
        label: 'Store nothing (the run stops)',
        labelWords: runWords('store_nothing_option'),
        predictedQuality: 0,
        predictedCostCents: 0,
        latencyMs: 0,
        uncertainty: 0,
      },
    ];
  },
  execute(ctx) {
    const { contracts, capture } = ctx.deps;
    const contract = ctx.inputContract;
    contracts.validate(contract, ctx.input);
    const kind = contracts.get(contract).doc.kind;
    const store = storeOf(ctx.params, kind);
    const dataSha256 = hash('sha256', canonicalJson(ctx.input), 'hex');
    return {
      output: { contract, stored: store, dataSha256 },
      usage: { tokens: 0, costCents: 0 },
      chosen: store === 'record' ? 'store-record' : 'store-draft',
      rationale:
        store === 'record'
          ? `The input satisfies ${contract} (a ${kind} contract): stored as a record and queued for sync.`
          : `The input satisfies ${contract} (a ${kind} contract): kept as a draft; the submit step turns it into a record.`,
      rationaleWords: runWords(store === 'record' ? 'stored_record' : 'stored_draft', { contract, kind }),
      commit: () => {
        if (store === 'record') {
          const r = capture.submit({ contract, data: ctx.input });
          return { recordId: r.recordId, outboxId: r.outboxId };
        }
        return { draftId: capture.saveDraft({ contract, data: ctx.input }).id };
      },
    };
  },
};
