// A run's artifacts and its release gate: the list with flags (derived or set by hand), adding a
// file or a URI, evaluating the gate, and the compliance report (what the gate misses).
import { create } from 'zustand';
import type { ArtifactFlag, ArtifactView, ComplianceReport, ReleaseGateResult } from '../../../shared/evidence/types';
import { call } from '../../api/client';
import { errorMessage } from '../../ui/format';
import { i18next } from '../../i18n';

interface NewArtifact {
  name: string;
  /** A file (read as base64) or a URI: exactly one. */
  file: File | null;
  uri: string;
  /** Flags set by hand (recorded as manual). */
  flags: Partial<Record<ArtifactFlag, boolean>>;
}

interface EvidenceStore {
  runId: string | null;
  artifacts: ArtifactView[];
  report: ComplianceReport | null;
  gate: ReleaseGateResult | null;
  busy: 'loading' | 'adding' | 'evaluating' | null;
  error: string | null;
  load(runId: string): Promise<void>;
  add(runId: string, a: NewArtifact): Promise<boolean>;
  evaluate(runId: string): Promise<void>;
}

/** The base64 of a file (FileReader's data URL, without its prefix). */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error ?? new Error(i18next.t('runs:artifacts.readFailed')));
    r.readAsDataURL(file);
  });
}

/** A media type the API accepts (type/subtype, lower case), else none. */
const mediaTypeOf = (f: File): string | undefined => (/^[a-z]+\/[a-z0-9.+-]+$/.test(f.type) ? f.type : undefined);

export const useEvidence = create<EvidenceStore>((set, get) => ({
  runId: null,
  artifacts: [],
  report: null,
  gate: null,
  busy: null,
  error: null,

  async load(runId) {
    if (get().runId !== runId) set({ runId, artifacts: [], report: null, gate: null, error: null });
    set({ busy: 'loading' });
    try {
      const report = await call('release.report', { runId });
      if (get().runId !== runId) return;
      set({ report, artifacts: report.artifacts, gate: get().gate ?? report.lastEvaluation, error: null });
    } catch (e) {
      set({ error: errorMessage(e) });
    } finally {
      set({ busy: null });
    }
  },

  async add(runId, a) {
    set({ busy: 'adding', error: null });
    try {
      // Absent keys, never `undefined` ones (IPC keeps them, and the schema refuses them).
      const extra = Object.keys(a.flags).length ? { flags: a.flags } : {};
      if (a.file) {
        const dataBase64 = await readBase64(a.file);
        const mediaType = mediaTypeOf(a.file);
        await call('artifacts.add', { runId, name: a.name.trim() || a.file.name, dataBase64, ...(mediaType ? { mediaType } : {}), ...extra });
      } else {
        await call('artifacts.add', { runId, name: a.name.trim() || a.uri.trim(), uri: a.uri.trim(), ...extra });
      }
      set({ busy: null });
      await get().load(runId);
      return true;
    } catch (e) {
      set({ busy: null, error: errorMessage(e) });
      return false;
    }
  },

  async evaluate(runId) {
    set({ busy: 'evaluating', error: null });
    try {
      const gate = await call('release.gate', { runId });
      set({ gate, busy: null });
      await get().load(runId);
    } catch (e) {
      set({ busy: null, error: errorMessage(e) });
    }
  },
}));
