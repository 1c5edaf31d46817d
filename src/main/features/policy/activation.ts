// GuardContext → the activation that policy conditions, invariants and message templates read.
//
// Variables (CEL names):
//   event, action              strings from the context
//   actor                      {id, role, tenant, region?}
//   run, step, data, ai, decision, destination   as passed (absent when not passed: reading them is an error → fail closed)
//   subject                    the context's subject over defaults from the run {kind:'run', id, tenant, ownerId, residency}
//   contract                   {ref, name, major, minor, patch, kind, pii, latestMajor?} (parsed from contract.contract)
//   approval                   as passed, default {state: 'not_required', by: null, comment: null}
//   sync                       {lastSyncAt, ageMs?} (ageMs = now - lastSyncAt; absent when never synced)
//   payload                    {plaintextPii, echoedPii, piiFields}: pointers of contract PII present unprotected in `data`,
//                              of PII values repeated in `step.output`, and all the contract's PII pointers
//   lane, laneReasons          the risk lane of this action (lanes.ts); each reason as `code {params}`
//   injection                  {detected, score, families, flagged} (all false/0 when there is no AI input)
//   params, regions            from the policy document
//   now, nowMs, today          ISO time, epoch ms, YYYY-MM-DD (UTC)
// Integers become CEL int, other numbers double (so money in cents stays int).
import { messageForLog, type Message } from '../../../shared/messages';
import type { GuardContext, InjectionReport } from '../../../shared/policy/types';
import type { Lane } from '../../../shared/workflow/types';
import { toCel, type CelActivation } from './cel';
import type { PolicyDocument } from './policy';

export const ACTIVATION_VARIABLES = [
  'event',
  'action',
  'actor',
  'run',
  'step',
  'subject',
  'contract',
  'data',
  'approval',
  'decision',
  'ai',
  'sync',
  'destination',
  'payload',
  'lane',
  'laneReasons',
  'injection',
  'params',
  'regions',
  'now',
  'nowMs',
  'today',
] as const;

const CONTRACT_REF_RE = /^(.+)@(\d+)\.(\d+)\.(\d+)$/;

export interface Activation {
  native: Record<string, unknown>;
  cel: CelActivation;
}

export function buildActivation(
  ctx: GuardContext,
  doc: PolicyDocument | null,
  derived: { nowMs: number; plaintextPii: string[]; echoedPii: string[]; injection: InjectionReport | null },
): Activation {
  const run = ctx.run;
  const subject = {
    ...(run ? { kind: 'run', id: run.id, tenant: run.tenant, ownerId: run.ownerId, residency: run.residency } : {}),
    ...stripUndefined(ctx.subject ?? {}),
  };
  let contract: Record<string, unknown> | undefined;
  if (ctx.contract) {
    const m = CONTRACT_REF_RE.exec(ctx.contract.contract);
    contract = {
      ref: ctx.contract.contract,
      name: m ? m[1] : ctx.contract.contract,
      major: m ? Number(m[2]) : undefined,
      minor: m ? Number(m[3]) : undefined,
      patch: m ? Number(m[4]) : undefined,
      kind: ctx.contract.kind,
      pii: ctx.contract.pii ?? [],
      latestMajor: ctx.contract.latestMajor,
    };
  }
  let sync: Record<string, unknown> | undefined;
  if (ctx.sync) {
    const at = ctx.sync.lastSyncAt === null ? NaN : Date.parse(ctx.sync.lastSyncAt);
    sync = { lastSyncAt: ctx.sync.lastSyncAt, ageMs: Number.isFinite(at) ? Math.max(0, derived.nowMs - at) : undefined };
  }
  const inj = derived.injection;
  const nowIso = new Date(derived.nowMs).toISOString();
  const native: Record<string, unknown> = {
    event: ctx.event,
    action: ctx.action,
    actor: ctx.actor,
    run,
    step: ctx.step,
    subject,
    contract,
    data: ctx.data,
    approval: { state: 'not_required', by: null, comment: null, ...stripUndefined(ctx.approval ?? {}) },
    decision: ctx.decision,
    ai: ctx.ai,
    sync,
    destination: ctx.destination,
    payload: { plaintextPii: derived.plaintextPii, echoedPii: derived.echoedPii, piiFields: ctx.contract?.pii ?? [] },
    lane: undefined,
    laneReasons: undefined,
    injection: { detected: inj?.detected ?? false, score: inj?.score ?? 0, families: inj?.families ?? [], flagged: inj?.flaggedInputs.length ?? 0 },
    params: doc?.params,
    regions: doc?.regions,
    now: nowIso,
    nowMs: derived.nowMs,
    today: nowIso.slice(0, 10),
  };
  const cel: CelActivation = {};
  const fixed = doc ? docCel(doc) : null;
  for (const [k, v] of Object.entries(native)) {
    if (v === undefined) continue;
    cel[k] = fixed && (k === 'params' || k === 'regions') ? fixed[k] : toCel(v);
  }
  return { native, cel };
}

/** params and regions change only with the document: converted once per loaded document. */
const docCache = new WeakMap<PolicyDocument, { params: unknown; regions: unknown }>();
function docCel(doc: PolicyDocument): { params: unknown; regions: unknown } {
  let c = docCache.get(doc);
  if (!c) {
    c = { params: toCel(doc.params), regions: toCel(doc.regions) };
    docCache.set(doc, c);
  }
  return c;
}

/** The lane and its reasons; invariants read the reasons as text, each a code with its params (`messageForLog`). */
export function setLane(a: Activation, lane: Lane, reasons: readonly Message[]): void {
  const text = reasons.map(messageForLog);
  a.native.lane = lane;
  a.native.laneReasons = text;
  a.cel.lane = lane;
  a.cel.laneReasons = text;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
