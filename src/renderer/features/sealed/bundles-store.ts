// Sealed bundles: the sealed-state report (trusted root, every installed version), installs from a
// folder or the sync server with live progress ('bundles.progress' events), full re-verification,
// making an earlier version active again (with a reason), and the app-update status.
import { create, type StoreApi } from 'zustand';
import type { AvailableBundle, BundleSource } from '../../../shared/api/types';
import type { BundleProgress, BundleVersionView, InstallResult, SealedStateReport, UpdateStatus, VerifyResult } from '../../../shared/bundles/types';
import { msg, type Message } from '../../../shared/messages';
import { call } from '../../api/client';
import { i18next } from '../../i18n';
import { errorMessage } from '../../ui/format';
import { failureOf, failureText, type BundleFailure } from './bundles';

/** The bundle operation this screen started and is following (one at a time). */
export interface BundleOp {
  kind: 'install' | 'verify';
  /** What it is about, in words ("/media/usb/policy", "server: maestro.policy", "all versions"). */
  label: string;
  /** The opId of its progress events, adopted from the first event that arrives while it runs. */
  opId: string | null;
  progress: BundleProgress | null;
  startedAt: number;
}

interface BundlesStore {
  report: SealedStateReport | null;
  loading: boolean;
  error: string | null;

  available: AvailableBundle[] | null;
  availableLoading: boolean;
  availableError: string | null;

  op: BundleOp | null;
  installResult: InstallResult | null;
  installFailure: BundleFailure | null;
  /** Last full verification result per bundle version id (this session). */
  verifyResults: Record<number, VerifyResult>;
  /** Summary of the last "Verify all now". */
  verifyAll: { versions: number; files: number; bytes: number; durationMs: number; refused: number; at: string } | null;
  verifyFailure: { id: number | null; failure: BundleFailure } | null;

  /** The version whose "Make active" confirmation is open. */
  activating: BundleVersionView | null;
  notice: Message | null;

  update: UpdateStatus | null;
  updateError: string | null;

  refresh(): Promise<void>;
  loadAvailable(): Promise<void>;
  install(source: BundleSource): Promise<void>;
  verify(id?: number): Promise<void>;
  askActivate(v: BundleVersionView | null): void;
  activate(id: number, reason: string): Promise<void>;
  onProgress(p: BundleProgress): void;
  clearInstall(): void;
  checkUpdate(): Promise<void>;
  installUpdate(): Promise<void>;
}

const sourceLabel = (s: BundleSource): string => (s.kind === 'path' ? s.path : i18next.t('sealed:op.server', { name: s.name }));

type Set = StoreApi<BundlesStore>['setState'];
type Get = () => BundlesStore;

async function installBundle(set: Set, get: Get, source: BundleSource): Promise<void> {
  if (get().op) return;
  const opId = `ui-${crypto.randomUUID()}`;
  set({
    op: { kind: 'install', label: sourceLabel(source), opId, progress: null, startedAt: Date.now() },
    installResult: null,
    installFailure: null,
    notice: null,
  });
  try {
    set({ installResult: await call('bundles.install', { source, opId }) });
  } catch (e) {
    set({ installFailure: failureOf(e) });
  } finally {
    set({ op: null });
    void get().refresh();
    if (source.kind === 'server') void get().loadAvailable();
    void get().checkUpdate();
  }
}

async function verifyBundles(set: Set, get: Get, id?: number): Promise<void> {
  if (get().op) return;
  const all = id === undefined;
  const label = all
    ? i18next.t('sealed:op.all')
    : (() => {
        const v = get().report?.bundles.find((b) => b.id === id);
        return v ? `${v.name} ${v.version}` : i18next.t('sealed:op.versionId', { id });
      })();
  const opId = `ui-${crypto.randomUUID()}`;
  set({
    op: { kind: 'verify', label, opId, progress: null, startedAt: Date.now() },
    verifyFailure: null,
    notice: null,
    ...(all ? { verifyAll: null } : {}),
  });
  try {
    const { results } = await call('bundles.verify', all ? { opId } : { id, opId });
    set((s) => {
      const verifyResults = { ...s.verifyResults };
      for (const r of results) verifyResults[r.bundle.id] = r;
      return {
        verifyResults,
        ...(all
          ? {
              verifyAll: {
                versions: results.length,
                files: results.reduce((n, r) => n + r.checkedFiles, 0),
                bytes: results.reduce((n, r) => n + r.bytes, 0),
                durationMs: results.reduce((n, r) => n + r.durationMs, 0),
                refused: results.filter((r) => !r.ok).length,
                at: new Date().toISOString(),
              },
            }
          : {}),
      };
    });
  } catch (e) {
    set({ verifyFailure: { id: id ?? null, failure: failureOf(e) } });
  } finally {
    set({ op: null });
    void get().refresh();
  }
}

export const useBundles = create<BundlesStore>((set, get) => {
  // A reply to an older report request is dropped.
  let generation = 0;

  return {
    report: null,
    loading: false,
    error: null,
    available: null,
    availableLoading: false,
    availableError: null,
    op: null,
    installResult: null,
    installFailure: null,
    verifyResults: {},
    verifyAll: null,
    verifyFailure: null,
    activating: null,
    notice: null,
    update: null,
    updateError: null,

    async refresh() {
      const gen = ++generation;
      set({ loading: true });
      try {
        const report = await call('bundles.report', {});
        if (gen === generation) set({ report, error: null });
      } catch (e) {
        if (gen === generation) set({ error: errorMessage(e) });
      } finally {
        if (gen === generation) set({ loading: false });
      }
    },

    async loadAvailable() {
      set({ availableLoading: true });
      try {
        const { bundles } = await call('bundles.available', {});
        set({ available: bundles, availableError: null });
      } catch (e) {
        set({ availableError: errorMessage(e) });
      } finally {
        set({ availableLoading: false });
      }
    },

    install: (source) => installBundle(set, get, source),
    verify: (id) => verifyBundles(set, get, id),

    askActivate: (activating) => set({ activating }),

    async activate(id, reason) {
      let result: InstallResult;
      try {
        result = await call('bundles.activate', { id, reason, confirm: true });
      } catch (e) {
        // Shown in the dialog (it stays open): the code, and for a refusal its sentence.
        throw new Error(failureText(failureOf(e)));
      }
      set({ activating: null, notice: msg('sealed.notice.activated', { name: result.bundle.name, version: result.bundle.version }) });
      await get().refresh();
    },

    onProgress(p) {
      const op = get().op;
      if (!op) return;
      // Each operation names its opId: events of any other operation are not ours.
      if (op.opId !== null && op.opId !== p.opId) return;
      set({ op: { ...op, opId: p.opId, progress: p } });
    },

    clearInstall: () => set({ installResult: null, installFailure: null }),

    async checkUpdate() {
      try {
        set({ update: await call('updates.status', {}), updateError: null });
      } catch (e) {
        set({ updateError: errorMessage(e) });
      }
    },

    async installUpdate() {
      // A failure is shown by the confirmation dialog (it stays open).
      set({ update: await call('updates.install', { confirm: true }), updateError: null });
    },
  };
});
