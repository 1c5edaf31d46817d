// The run open in the detail pane: one of this device's (runs.get: its step timeline and cards) or
// one recorded on another device (runs.get, scope 'tenant': its summary and cards). Opening one closes the other.
import { create } from 'zustand';
import type { DecisionCard } from '../../../shared/workflow/types';
import type { RunView } from '../../../shared/workflow/views';
import type { TeamCardView, TeamRunView } from '../../../shared/team/views';
import { call } from '../../api/client';
import { inScope } from '../team/team';
import { errorMessage } from '../../ui/format';
import { runList, type RunRow } from './run-list-store';

type TeamDecision = TeamCardView['decision'];

interface RunDetailStore {
  /** This device's run, as loaded. */
  local: { run: RunView; cards: DecisionCard[] } | null;
  /** Opening this device's run failed. */
  error: string | null;
  /** The run of another device asked for, and what came back. */
  remote: { device: string; runId: string } | null;
  remoteDetail: { run: TeamRunView; cards: TeamCardView[] } | null;
  remoteError: string | null;

  /** Opens a row: a run of this device in the local detail, another device's through runs.get with scope 'tenant'. */
  openRow(row: RunRow): Promise<void>;
  openLocal(id: string | null): Promise<void>;
  openRemote(device: string, runId: string): Promise<void>;
  /** Loads the open run again (after a change event). */
  reloadLocal(): Promise<void>;
  reloadRemote(): Promise<void>;
  closeRemote(): void;
  /** A reply carried this run (runs.decide): the detail and this device's list show it, no reload. */
  applyRun(run: RunView): void;
  /** A decision sent from here on another device's card (runs.decide, scope 'tenant'): the open detail shows it. */
  applyDecision(device: string, runId: string, cardId: string, decision: TeamDecision): void;
}

const closed = { remote: null, remoteDetail: null, remoteError: null };

export const useRunDetail = create<RunDetailStore>((set, get) => {
  let opening = 0;
  return {
    local: null,
    error: null,
    ...closed,
    async openRow(row) {
      if (row.team && !row.team.local) return get().openRemote(row.team.device, row.run.id);
      set(closed);
      await get().openLocal(row.run.id);
    },
    async openLocal(id) {
      if (!id) return set({ local: null });
      try {
        // A run opened here (a row of this device, or one just started) takes the detail pane.
        const { run, cards } = inScope(await call('runs.get', { id }), 'device');
        set({ local: { run, cards }, error: null, ...closed });
      } catch (e) {
        set({ error: errorMessage(e) });
      }
    },
    async openRemote(device, runId) {
      const o = get().remote;
      const same = o?.device === device && o.runId === runId;
      set({ remote: { device, runId }, remoteError: null, local: null, ...(same ? {} : { remoteDetail: null }) });
      const n = ++opening;
      try {
        const { run, cards } = inScope(await call('runs.get', { scope: 'tenant', device, runId }), 'tenant');
        const detail = { run, cards };
        if (n === opening && get().remote?.device === device && get().remote?.runId === runId) set({ remoteDetail: detail });
      } catch (e) {
        if (n === opening) set({ remoteError: errorMessage(e) });
      }
    },
    reloadLocal: async () => {
      const id = get().local?.run.id;
      if (id) await get().openLocal(id);
    },
    reloadRemote: async () => {
      const o = get().remote;
      if (o) await get().openRemote(o.device, o.runId);
    },
    closeRemote: () => set(closed),
    applyRun(run) {
      const { steps: _steps, ...summary } = run;
      runList('device')
        .getState()
        .update(run.id, (r) => ({ ...r, run: summary }));
      // The tenant list shows this device's runs too; where its approval stands comes with the next refresh.
      const awaiting = run.status === 'awaiting_approval';
      runList('tenant')
        .getState()
        .update(
          (r) => !!r.team?.local && r.run.id === run.id,
          (r) => ({ ...r, run: summary, team: r.team && { ...r.team, run: summary, awaitingCard: awaiting ? r.team.awaitingCard : null } }),
        );
      set((s) => (s.local?.run.id === run.id ? { local: { ...s.local, run } } : {}));
    },
    applyDecision: (device, runId, cardId, decision) =>
      set((s) => {
        const d = s.remoteDetail;
        if (!d || d.run.device !== device || d.run.run.id !== runId) return {};
        const cards = d.cards.map((c) => (c.card.id === cardId ? { ...c, decision } : c));
        return { remoteDetail: { run: { ...d.run, decision }, cards } };
      }),
  };
});
