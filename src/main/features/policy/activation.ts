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
import { celList, isCelMap, type CelMap } from '@bufbuild/cel';
import { toCel, type CelActivation, type CompiledExpr } from './cel';
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

/**
 * `names` (optional, from dottedNames()): the prototype of the CEL activation, answering the
 * dotted names the loaded expressions read.
 */
export function buildActivation(
  ctx: GuardContext,
  doc: PolicyDocument | null,
  derived: { nowMs: number; plaintextPii: string[]; echoedPii: string[]; injection: InjectionReport | null },
  names?: object,
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
  const cel: CelActivation = names ? (Object.create(names) as CelActivation) : {};
  const fixed = doc ? docCel(doc) : null;
  for (const [k, v] of Object.entries(native)) {
    if (v === undefined) continue;
    cel[k] = fixed && (k === 'params' || k === 'regions') ? fixed[k] : toCel(v);
  }
  return { native, cel };
}

/**
 * Speed (issue 20): @bufbuild/cel reads `run.spentCents` by first asking the activation for a
 * variable named "run.spentCents" (a qualified name, as the CEL spec orders it), and when there is
 * none, looks the name up as a type and as an enum (string slicing, registry look-ups) before it
 * reads `run` and then its key. This prototype answers every dotted name (and each prefix of at
 * least two parts) the loaded expressions read with the value that second step would find, through
 * a getter over the call's own converted variables; where that step would fail (a missing key, a
 * value that is not a map) the getter answers undefined and the library goes its usual way, so
 * values and error messages stay the same. Roots that some expression binds as a comprehension
 * variable (`list.all(run, run.x)`) get no getters: the library asks the activation for "run.x"
 * before it asks the comprehension for "run", so a getter would shadow the bound variable.
 */
export function dottedNames(exprs: Iterable<CompiledExpr>): object {
  const all: CompiledExpr[] = [...exprs];
  const bound = new Set(all.flatMap((e) => e.binders));
  const proto: Record<string, unknown> = {};
  for (const e of all) {
    for (const segs of e.segments) {
      if (bound.has(segs[0]!) || !KNOWN.has(segs[0]!)) continue;
      for (let n = 2; n <= segs.length; n++) {
        const name = segs.slice(0, n).join('.');
        if (name in proto) continue;
        const path = segs.slice(0, n);
        Object.defineProperty(proto, name, {
          enumerable: false,
          get(this: CelActivation) {
            return resolveDotted(this[path[0]!], path);
          },
        });
      }
    }
  }
  return proto;
}

const KNOWN = new Set<string>(ACTIVATION_VARIABLES);

/** What CEL's field selection finds along `path` (after its root) over CEL maps; undefined where it would fail. */
function resolveDotted(root: unknown, path: readonly string[]): unknown {
  let cur = root;
  for (let i = 1; i < path.length; i++) {
    if (!isCelMap(cur)) return undefined;
    cur = (cur as CelMap).get(path[i]!);
    if (cur === undefined) return undefined;
  }
  return cur;
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
  // Pre-wrapped, as toCel does for every other list: the library would wrap a plain array on every read.
  a.cel.laneReasons = celList(text);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
