// PolicyEngine: the one door the run engine asks before anything happens ("may this actor do this,
// now, with this data?"). It combines the policy document (who may do what), the invariants (what
// must hold), the risk lane and the prompt-injection scan into one GuardResult. Fails closed.
//
// Layout of the policy tree (the verified policy bundle in production, resources/policy in tests):
//   policy.yaml           the policy document (policy.ts)
//   invariants/*.yaml     the invariants (invariants.ts)
// Loading is all or nothing: reload() swaps in the new document and invariant set only when every
// file loads; otherwise the previous ones stay in force and the errors come back (file, line, reason).
// No tree at all (no verified policy bundle) is refused the same way as a missing policy.yaml.
// In development mode a second tree, the development overlay (overlay.ts, the bundle
// maestro.policy-dev), changes some params; the loaded version then reads `<version>+dev`.
import { isCelMap } from '@bufbuild/cel';
import { msg, type Message } from '../../../shared/messages';
import type { GuardContext, GuardResult, InjectionReport, PlainTexts, PolicyLoadError, PolicyReloadResult } from '../../../shared/policy/types';
import type { InvariantResult, Lane } from '../../../shared/workflow/types';
import { ACTIVATION_VARIABLES, buildActivation, dottedNames, setLane, type Activation } from './activation';
import { fillTemplate } from './cel';
import { detectInjection } from './injection';
import { DEFAULT_TIMEOUT_MS, evaluateInvariant, loadInvariantTree, type Invariant, type InvariantSet } from './invariants';
import { classifyLane, findEchoedPii, findPlaintextPii } from './lanes';
import { evaluatePolicy, parsePolicy, type PolicyDocument } from './policy';
import { applyOverlay, OVERLAY_FILE } from './overlay';
import { errorText, loadError } from './load-problem';
import { dirTree, readText, subTree, type ResourceTree } from '../../platform/util/resource-tree';

export type { GuardContext, GuardResult, PolicyLoadError, PolicyReloadResult } from '../../../shared/policy/types';

export interface PolicyEngineOptions {
  /** Epoch milliseconds used when the context carries no `now` (default Date.now). */
  now?: () => number;
  /** Monotonic milliseconds for the evaluation time budget (default performance.now). */
  monotonic?: () => number;
  /**
   * The development overlay (a tree holding overlay.yaml), asked on every reload like the policy
   * tree; null or left out: none, the policy applies as written. Only development mode passes one.
   */
  overlay?: () => ResourceTree | null;
}

interface Loaded {
  doc: PolicyDocument;
  set: InvariantSet;
  /** The CEL activation's prototype for this document and set (activation.ts dottedNames). */
  names: object;
}

const KNOWN_ROOTS = new Set<string>(ACTIVATION_VARIABLES);
const KNOWN_LIST = ACTIVATION_VARIABLES.join(', ');

/** Cross-file checks: every expression reads only known variables and params the document defines. */
function crossCheck(doc: PolicyDocument, set: InvariantSet): PolicyLoadError[] {
  const errors: PolicyLoadError[] = [];
  for (const inv of set.invariants) {
    for (const a of inv.asserts) {
      for (const p of a.expr.paths) {
        const [root, key] = p.split('.');
        if (!KNOWN_ROOTS.has(root!))
          errors.push(
            loadError(
              inv.file,
              a.line,
              'unknown_variable',
              { id: inv.id, name: root!, known: KNOWN_LIST },
              `${inv.id}: unknown variable '${root}' (known: ${KNOWN_LIST})`,
            ),
          );
        else if (root === 'params' && key !== undefined && !(key in doc.params))
          errors.push(
            loadError(inv.file, a.line, 'param_undefined', { id: inv.id, key, file: doc.file }, `${inv.id}: params.${key} is not defined in ${doc.file}`),
          );
      }
    }
  }
  return errors;
}

export class PolicyEngine {
  private loaded: Loaded | null = null;
  private errors: PolicyLoadError[] = [];
  private readonly now: () => number;
  private readonly monotonic: () => number;
  private readonly overlay: () => ResourceTree | null;

  private constructor(
    /** Called on every reload: the current policy tree, or null when there is none (fail closed). */
    private readonly provider: () => ResourceTree | null,
    opts: PolicyEngineOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.monotonic = opts.monotonic ?? (() => performance.now());
    this.overlay = opts.overlay ?? (() => null);
  }

  /** Load `dir/policy.yaml` and `dir/invariants/*.yaml`. Never throws: errors are in lastErrors(); nothing loaded → every guard denies. */
  static fromDir(dir: string, opts: PolicyEngineOptions = {}): PolicyEngine {
    const tree = dirTree(dir);
    return PolicyEngine.fromTree(() => tree, opts);
  }

  /**
   * Load `policy.yaml` and `invariants/*.yaml` from the tree `provider` returns (e.g. the active,
   * verified policy bundle); every reload() asks it again, so a newly activated bundle is picked up.
   * null = no verified policy bundle: nothing is in force, every guard denies and version() is null.
   * A tree whose files fail to load leaves the previous set in force. Never throws.
   */
  static fromTree(provider: () => ResourceTree | null, opts: PolicyEngineOptions = {}): PolicyEngine {
    const e = new PolicyEngine(provider, opts);
    e.reload();
    return e;
  }

  /** Re-read the policy tree. On any error the previous document and invariants stay in force. */
  reload(): PolicyReloadResult {
    const errors: PolicyLoadError[] = [];
    let tree: ResourceTree | null;
    try {
      tree = this.provider();
    } catch (e) {
      tree = null;
      errors.push(loadError('policy.yaml', 0, 'bundle_unreadable', { detail: errorText(e) }, `cannot open the policy bundle: ${errorText(e)}`));
    }
    if (!tree) {
      if (!errors.length) errors.push(loadError('policy.yaml', 0, 'no_bundle', {}, 'no verified policy bundle is active'));
      this.errors = errors;
      // No verified policy any more (e.g. the active bundle was quarantined with no good version to
      // fall back to): drop the loaded set, so every guard denies (fail closed).
      this.loaded = null;
      return { ok: false, errors };
    }
    let doc: PolicyDocument | null = null;
    try {
      const r = parsePolicy(readText(tree, 'policy.yaml'), 'policy.yaml');
      doc = r.doc;
      errors.push(...r.errors);
    } catch (e) {
      errors.push(loadError('policy.yaml', 0, 'unreadable', { detail: errorText(e) }, `cannot read: ${errorText(e)}`));
    }
    if (doc) {
      const o = this.applyOverlay(doc);
      doc = o.doc;
      errors.push(...o.errors);
    }
    const inv = this.loadInvariants(tree);
    errors.push(...inv.errors);
    if (doc && inv.set) errors.push(...crossCheck(doc, inv.set));
    this.errors = errors;
    if (errors.length || !doc || !inv.set) return { ok: false, errors };
    const exprs = [...doc.rules.flatMap((r) => r.conditions.map((c) => c.expr)), ...inv.set.invariants.flatMap((i) => i.asserts.map((a) => a.expr))];
    this.loaded = { doc, set: inv.set, names: dottedNames(exprs) };
    return { ok: true, errors: [] };
  }

  /** `doc` with the development overlay applied when there is one; its errors refuse the whole load. */
  private applyOverlay(doc: PolicyDocument): { doc: PolicyDocument | null; errors: PolicyLoadError[] } {
    try {
      const tree = this.overlay();
      return tree ? applyOverlay(doc, readText(tree, OVERLAY_FILE), `${tree.label}/${OVERLAY_FILE}`) : { doc, errors: [] };
    } catch (e) {
      const detail = errorText(e);
      return { doc: null, errors: [loadError(OVERLAY_FILE, 0, 'overlay_unreadable', { detail }, `cannot read the development policy overlay: ${detail}`)] };
    }
  }

  /** `invariants/*.yaml`; a tree with no `invariants/` at all is refused (fail closed). */
  private loadInvariants(tree: ResourceTree): ReturnType<typeof loadInvariantTree> {
    let present: boolean;
    try {
      present = tree.files().some((f) => f.startsWith('invariants/'));
    } catch (e) {
      const detail = errorText(e);
      return { set: null, errors: [loadError('invariants', 0, 'invariants_unreadable', { detail }, `cannot read invariant directory: ${detail}`)] };
    }
    if (!present)
      return {
        set: null,
        errors: [loadError('invariants', 0, 'no_invariants', { label: tree.label }, `cannot read invariant directory: no invariants/ in ${tree.label}`)],
      };
    return loadInvariantTree(subTree(tree, 'invariants'), 'invariants');
  }

  /** Errors of the last reload (empty when it succeeded). */
  lastErrors(): PolicyLoadError[] {
    return [...this.errors];
  }

  invariantCount(): number {
    return this.loaded?.set.size ?? 0;
  }

  invariantIds(): string[] {
    return this.loaded?.set.ids() ?? [];
  }

  /** The active invariant definitions (read-only), e.g. for an explanation view. */
  invariants(): readonly Invariant[] {
    return this.loaded?.set.invariants ?? [];
  }

  /** Every active invariant's words for people, by id (what cards show instead of ids and messages). */
  plainTexts(): Record<string, PlainTexts> {
    const out: Record<string, PlainTexts> = {};
    for (const inv of this.loaded?.set.invariants ?? []) out[inv.id] = inv.plain;
    return out;
  }

  version(): string | null {
    return this.loaded?.doc.version ?? null;
  }

  /** The loaded document's params (what invariants read as `params.*`), or null when none is loaded. */
  params(): Record<string, unknown> | null {
    return this.loaded ? { ...this.loaded.doc.params } : null;
  }

  /** Decide. Never throws: anything unexpected denies with its reason. */
  guard(ctx: GuardContext, opts: { timeoutMs?: number } = {}): GuardResult {
    const loaded = this.loaded; // one snapshot for the whole decision, even if reload() swaps meanwhile
    try {
      const prep = this.prepare(ctx, loaded);
      if ('error' in prep) return denied(prep.error, loaded?.doc.version ?? null, msg('guard.next.fix_request'));
      const { act, lane, laneReasons, injection } = prep;
      const decision = evaluatePolicy(
        loaded?.doc ?? null,
        { action: ctx.action, role: ctx.actor?.role, contractKind: ctx.contract?.kind },
        act.cel,
        act.native,
      );
      let invariants: InvariantResult[] = [];
      let list: Invariant[] = [];
      if (loaded) {
        list = loaded.set.matching({
          event: ctx.event,
          executor: ctx.step?.executor,
          workflow: ctx.run?.workflow.split('@')[0],
          action: ctx.action,
          role: ctx.actor.role,
          contractKind: ctx.contract?.kind,
        });
        invariants = loaded.set.evaluate(list, act.cel, act.native, { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, clock: this.monotonic });
      }
      const policyOk = decision.verdict.decision === 'allow';
      const firstFail = invariants.findIndex((r) => !r.pass);
      const allowed = policyOk && firstFail < 0;
      let nextSafeStep: Message | null = null;
      if (!policyOk) nextSafeStep = decision.next ?? msg('guard.next.ask_admin');
      else if (firstFail >= 0) nextSafeStep = nextFor(list[firstFail]!, invariants[firstFail]!, act);
      return { allowed, policy: decision.verdict, invariants, lane, laneReasons, injection, nextSafeStep };
    } catch (e) {
      return denied(`guard failed: ${e instanceof Error ? e.message : String(e)}`, loaded?.doc.version ?? null, msg('guard.next.report_admin'));
    }
  }

  /**
   * Evaluate one invariant against a context regardless of its `when` (for tests and explanations).
   * null when no such invariant is loaded.
   */
  evaluateInvariant(id: string, ctx: GuardContext): InvariantResult | null {
    const loaded = this.loaded;
    const inv = loaded?.set.get(id);
    if (!inv) return null;
    const prep = this.prepare(ctx, loaded);
    if ('error' in prep) return { id, pass: false, message: prep.error, values: {}, error: prep.error };
    return evaluateInvariant(inv, prep.act.cel, prep.act.native);
  }

  private prepare(
    ctx: GuardContext,
    loaded: Loaded | null,
  ): { error: string } | { act: Activation; lane: Lane; laneReasons: Message[]; injection: InjectionReport | null } {
    if (!ctx || typeof ctx !== 'object' || !ctx.actor || typeof ctx.event !== 'string' || typeof ctx.action !== 'string') {
      return { error: 'malformed guard context (event, action and actor are required)' };
    }
    const nowMs = ctx.now === undefined ? this.now() : Date.parse(ctx.now);
    if (!Number.isFinite(nowMs)) return { error: `invalid now: ${String(ctx.now)}` };
    const injection = ctx.ai?.inputs ? detectInjection(ctx.ai.inputs) : null;
    const plaintextPii = findPlaintextPii(ctx.contract?.pii, ctx.data);
    const echoedPii = findEchoedPii(ctx.contract?.pii, ctx.data, ctx.step?.output);
    const act = buildActivation(ctx, loaded?.doc ?? null, { nowMs, plaintextPii, echoedPii, injection }, loaded?.names);
    const celData = isCelMap(act.cel.data) ? act.cel.data : undefined;
    const { lane, reasons } = classifyLane(
      { contract: ctx.contract, data: ctx.data, plaintextPii, uncertainty: ctx.ai?.uncertainty, injection },
      loaded?.doc.lanes,
      celData,
    );
    setLane(act, lane, reasons);
    return { act, lane, laneReasons: reasons, injection };
  }
}

/**
 * What to do after a failed invariant: retry (timeout), supply a missing value, or the invariant's own
 * `next` (filled with the values; `id` lets the renderer show the invariant's plain words instead).
 */
function nextFor(inv: Invariant, r: InvariantResult, act: Activation): Message {
  if (r.error === 'timeout') return msg('guard.next.retry_timeout');
  if (r.error?.startsWith('missing value:')) {
    const what = r.error.slice('missing value:'.length).split('(')[0]!.trim();
    return msg('guard.next.supply', { what, id: inv.id });
  }
  return msg('guard.next.invariant', { id: inv.id, text: fillTemplate(inv.next, act.native) });
}

/** The guard could not decide (a malformed context, an unexpected error): deny, RED, with the reason. */
function denied(reason: string, version: string | null, next: Message): GuardResult {
  return {
    allowed: false,
    policy: { decision: 'deny', reasons: [msg('guard.policy.not_assessed', { reason })], policyVersion: version },
    invariants: [],
    lane: 'RED',
    laneReasons: [msg('guard.lane.not_assessed', { reason })],
    injection: null,
    nextSafeStep: next,
  };
}
