// Capture: contracts, the form being filled in, its autosaved draft, photos, and submission.
// Nothing here waits on sync: capture.submit writes locally and the outbox takes it from there.
import { create, type StoreApi } from 'zustand';
import type { ContractDoc, Draft } from '../../../shared/api/types';
import { ruleAt } from '../../../shared/capture/attachment-rules';
import { ApiError } from '../../../shared/errors';
import { call, type CallOptions } from '../../api/client';
import { i18next } from '../../i18n';
import { errorMessage } from '../../ui/format';
import { ingestFile, thumbnailOf, type UploadOptions } from './ingest';
import { initialValue, isPlainObject, type JsonSchema } from './schema-form/json-schema';
import { withLogic } from './schema-form/form-logic';
import { localizeSchema } from './schema-form/localize';
import { clientErrors, mergeErrors, pruneChanged, serverErrors, type FieldError } from './schema-form/field-errors';

const AUTOSAVE_MS = 800;
const thumbLoads = new Set<string>();

type DraftState = 'clean' | 'pending' | 'saving' | 'saved' | 'error';

interface CaptureState {
  contracts: ContractDoc[];
  contractsError: string | null;
  contractRef: string | null;
  data: Record<string, unknown>;
  /** Bumped whenever the form is replaced (new, resumed, submitted) so field state starts fresh. */
  formKey: number;
  draftId: string | null;
  draftSavedAt: string | null;
  draftState: DraftState;
  draftError: string | null;
  drafts: Draft[];
  /** Where the next page of drafts starts (null: all shown). */
  draftsNext: { updatedAt: string; id: string } | null;
  serverErrors: FieldError[];
  touched: Record<string, true>;
  submitAttempted: boolean;
  submitting: boolean;
  submitError: string | null;
  result: { recordId: string; outboxId: string } | null;
  thumbs: Record<string, string>;

  loadContracts(): Promise<void>;
  selectContract(ref: string): Promise<void>;
  edit(data: Record<string, unknown>): void;
  touch(path: string): void;
  flushDraft(): Promise<void>;
  /** The page is going away (pagehide, hidden, window closing): save what is pending now, as a request that may outlive the page. */
  flushOnExit(): void;
  loadDrafts(): Promise<void>;
  moreDrafts(): Promise<void>;
  resumeDraft(id: string): Promise<void>;
  deleteDraft(id: string): Promise<void>;
  newForm(): Promise<void>;
  submit(): Promise<void>;
  uploadPhoto(file: File, opts?: UploadOptions): Promise<string>;
  /** Fetch a stored photo's preview (a resumed draft's photos were picked in another session). */
  loadThumb(ref: string): void;
}

export const schemaOf = (c: ContractDoc | undefined): JsonSchema => (c?.schema ?? { type: 'object' }) as JsonSchema;
/** A new form: the contract's defaults, with the form's logic applied (hidden fields empty, shown ones defaulted). */
const blank = (c: ContractDoc | undefined): Record<string, unknown> => {
  const v = initialValue(schemaOf(c));
  return withLogic(schemaOf(c), isPlainObject(v) ? v : {});
};

// Autosave machinery lives outside the state: a debounce timer, the save in flight, whether the form
// changed since the last save began, and a generation that tells a late reply its form is gone.
let timer: ReturnType<typeof setTimeout> | null = null;
let inflight: Promise<void> | null = null;
let dirty = false;
let generation = 0;

function cancelAutosave(): void {
  if (timer) clearTimeout(timer);
  timer = null;
}

type Set = StoreApi<CaptureState>['setState'];
type Get = () => CaptureState;

/** Replace the form (new contract, resumed draft, after submit). Pending autosaves are dropped. */
function replaceForm(set: Set, patch: Partial<CaptureState>): void {
  cancelAutosave();
  dirty = false;
  generation++;
  set((s) => ({
    draftId: null,
    draftSavedAt: null,
    draftState: 'clean',
    draftError: null,
    serverErrors: [],
    touched: {},
    submitAttempted: false,
    submitError: null,
    formKey: s.formKey + 1,
    ...patch,
  }));
}

// With no save in flight, the request starts synchronously (before the first await): a flush from
// pagehide therefore reaches the host before the page is gone (keepalive over HTTP).
async function saveNow(set: Set, get: Get, opts?: CallOptions): Promise<void> {
  cancelAutosave();
  while (inflight) await inflight;
  if (!dirty) return;
  const { contractRef, data, draftId } = get();
  if (!contractRef) return;
  dirty = false;
  const gen = generation;
  set({ draftState: 'saving' });
  inflight = call('drafts.save', draftId ? { id: draftId, contract: contractRef, data } : { contract: contractRef, data }, opts)
    .then(({ draft }) => {
      if (gen !== generation) return;
      set({ draftId: draft.id, draftSavedAt: draft.updatedAt, draftState: dirty ? 'pending' : 'saved', draftError: null });
      set((s) => ({ drafts: [draft, ...s.drafts.filter((d) => d.id !== draft.id)] }));
    })
    .catch((e: unknown) => {
      if (gen !== generation) return;
      dirty = true; // the next edit, flush or submit tries again
      if (draftId && e instanceof ApiError && e.code === 'NOT_FOUND') {
        // The draft was submitted or deleted elsewhere (another window): keep the data as a new draft.
        set({ draftId: null });
        timer = setTimeout(() => void saveNow(set, get), 0);
        return;
      }
      set({ draftState: 'error', draftError: errorMessage(e) });
    })
    .finally(() => {
      inflight = null;
    });
  await inflight;
}

const INITIAL = {
  contracts: [],
  contractsError: null,
  contractRef: null,
  data: {},
  formKey: 0,
  draftId: null,
  draftSavedAt: null,
  draftState: 'clean',
  draftError: null,
  drafts: [],
  draftsNext: null,
  serverErrors: [],
  touched: {},
  submitAttempted: false,
  submitting: false,
  submitError: null,
  result: null,
  thumbs: {},
} satisfies Partial<CaptureState>;

type FormActions = Pick<CaptureState, 'loadContracts' | 'selectContract' | 'edit' | 'touch' | 'flushDraft' | 'flushOnExit' | 'newForm'>;

function formActions(set: Set, get: Get): FormActions {
  return {
    async loadContracts() {
      try {
        const { contracts } = await call('contracts.list', {});
        set({ contracts, contractsError: null });
        const { contractRef } = get();
        if (!contractRef || !contracts.some((c) => c.contract === contractRef)) {
          replaceForm(set, { contractRef: contracts[0]?.contract ?? null, data: blank(contracts[0]) });
        }
      } catch (e) {
        set({ contractsError: errorMessage(e) });
      }
    },
    async selectContract(ref) {
      if (ref === get().contractRef) return;
      await saveNow(set, get);
      replaceForm(set, { contractRef: ref, data: blank(get().contracts.find((c) => c.contract === ref)), result: null });
    },
    edit(data) {
      const before = get().data;
      set((s) => ({ data, result: null, draftState: 'pending', serverErrors: pruneChanged(s.serverErrors, before, data) }));
      dirty = true;
      cancelAutosave();
      timer = setTimeout(() => void saveNow(set, get), AUTOSAVE_MS);
    },
    touch(path) {
      if (!get().touched[path]) set((s) => ({ touched: { ...s.touched, [path]: true } }));
    },
    flushDraft: () => saveNow(set, get),
    flushOnExit() {
      if (dirty) void saveNow(set, get, { keepalive: true });
    },
    async newForm() {
      await saveNow(set, get);
      replaceForm(set, { data: blank(get().contracts.find((c) => c.contract === get().contractRef)), result: null });
    },
  };
}

/** Drafts are listed a page at a time (the host never hands over the whole table). */
const DRAFTS_PAGE = 100;

function draftActions(set: Set, get: Get): Pick<CaptureState, 'loadDrafts' | 'moreDrafts' | 'resumeDraft' | 'deleteDraft'> {
  return {
    async loadDrafts() {
      try {
        const page = await call('drafts.list', { limit: DRAFTS_PAGE });
        set({ drafts: page.drafts, draftsNext: page.next });
      } catch (e) {
        set({ draftError: errorMessage(e) });
      }
    },
    async moreDrafts() {
      const before = get().draftsNext;
      if (!before) return;
      try {
        const page = await call('drafts.list', { limit: DRAFTS_PAGE, before });
        set((s) => ({ drafts: [...s.drafts, ...page.drafts.filter((d) => !s.drafts.some((x) => x.id === d.id))], draftsNext: page.next }));
      } catch (e) {
        set({ draftError: errorMessage(e) });
      }
    },
    async resumeDraft(id) {
      await saveNow(set, get);
      const { draft } = await call('drafts.get', { id });
      replaceForm(set, {
        contractRef: draft.contract,
        data: isPlainObject(draft.data) ? draft.data : {},
        draftId: draft.id,
        draftSavedAt: draft.updatedAt,
        draftState: 'saved',
        result: null,
      });
    },
    async deleteDraft(id) {
      if (get().draftId === id) {
        // Deleting the draft being edited: keep the form, forget the draft, and stop autosaving into it.
        cancelAutosave();
        while (inflight) await inflight;
        generation++;
        dirty = false;
        set({ draftId: null, draftSavedAt: null, draftState: 'clean' });
      }
      await call('drafts.delete', { id });
      set((s) => ({ drafts: s.drafts.filter((d) => d.id !== id) }));
    },
  };
}

async function submitForm(set: Set, get: Get): Promise<void> {
  const { contractRef, contracts } = get();
  if (!contractRef || get().submitting) return;
  const contract = contracts.find((c) => c.contract === contractRef);
  set({ submitting: true, submitError: null, submitAttempted: true });
  try {
    // Save first, so a refused submission leaves the latest data in the draft.
    await saveNow(set, get);
    const { draftId } = get();
    // Fields hidden by the form's logic are never submitted (SchemaForm drops them on each edit; a resumed draft may still hold some).
    const data = withLogic(schemaOf(contract), get().data, get().data);
    if (clientErrors(schemaOf(contract), data).length > 0) return;
    // The record keeps the language it was captured in (decision 0031).
    const locale = i18next.language || 'en';
    const res = await call('capture.submit', draftId ? { contract: contractRef, data, draftId, locale } : { contract: contractRef, data, locale });
    replaceForm(set, { result: res, data: blank(contract) });
    set((s) => ({ drafts: s.drafts.filter((d) => d.id !== draftId) }));
    void get().loadDrafts();
  } catch (e) {
    if (e instanceof ApiError && e.code === 'VALIDATION_ERROR') {
      const mapped = serverErrors(e.details, localizeSchema(schemaOf(contract), i18next.language));
      set({ serverErrors: mapped.length ? mapped : [{ path: '', keyword: 'server', message: errorMessage(e), source: 'server' }] });
    } else {
      set({ submitError: errorMessage(e) });
    }
  } finally {
    set({ submitting: false });
  }
}

function photoActions(set: Set, get: Get): Pick<CaptureState, 'loadThumb' | 'uploadPhoto'> {
  return {
    loadThumb(ref) {
      const hash = /^sha256:([0-9a-f]{64})$/.exec(ref)?.[1];
      if (!hash || ref in get().thumbs || thumbLoads.has(ref)) return;
      thumbLoads.add(ref);
      void call('attachments.get', { hash })
        .then((a) => {
          if (a.mime.startsWith('image/')) set((st) => ({ thumbs: { ...st.thumbs, [ref]: `data:${a.mime};base64,${a.dataBase64}` } }));
        })
        .catch(() => undefined)
        .finally(() => thumbLoads.delete(ref));
    },
    async uploadPhoto(file, opts = {}) {
      // The field's own cap and location rule (contract annotations) apply; the main process enforces them too.
      const contract = get().contractRef ?? undefined;
      const field = opts.path ?? '';
      const rule = ruleAt(schemaOf(get().contracts.find((c) => c.contract === contract)) as Record<string, unknown>, field);
      const thumb = thumbnailOf(file);
      const ref = await ingestFile(file, { ...opts, contract, field, maxBytes: rule.maxBytes });
      const url = await thumb;
      if (url) set((s) => ({ thumbs: { ...s.thumbs, [ref]: url } }));
      return ref;
    },
  };
}

export const useCapture = create<CaptureState>((set, get) => ({
  ...INITIAL,
  ...formActions(set, get),
  ...draftActions(set, get),
  submit: () => submitForm(set, get),
  ...photoActions(set, get),
}));

/** The errors to show: the server's, plus client checks for touched fields (all of them after Submit). */
export function visibleErrors(s: Pick<CaptureState, 'serverErrors' | 'touched' | 'submitAttempted'>, client: FieldError[]): FieldError[] {
  const shownClient = s.submitAttempted ? client : client.filter((e) => s.touched[e.path]);
  return mergeErrors(s.serverErrors, shownClient);
}
