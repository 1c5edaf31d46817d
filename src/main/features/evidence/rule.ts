// The release-gate rule from the policy's params.
import { ARTIFACT_FLAGS, DEFAULT_RELEASE_GATE_RULE, type ArtifactFlag, type ReleaseGateRule } from '../../../shared/evidence/types';

/**
 * The rule from policy params: `params.releaseGate` (an object) when present, else the flat keys
 * `releaseGateRequireRunSucceeded` / `releaseGateRequiredFlags` / `releaseGateMinCompliantArtifacts`
 * (missing ones take the default's value), else the default.
 * A rule that is present but malformed is an error: the gate then fails closed.
 */
export function ruleFromParams(params: Record<string, unknown> | null): { rule: ReleaseGateRule; fromPolicy: boolean; error: string | null } {
  let raw = params?.releaseGate;
  // The policy schema admits only scalars and lists as params today: flat keys say the same.
  const flat = {
    requireRunSucceeded: 'releaseGateRequireRunSucceeded',
    requiredFlags: 'releaseGateRequiredFlags',
    minCompliantArtifacts: 'releaseGateMinCompliantArtifacts',
  } as const;
  if (raw === undefined && params && Object.values(flat).some((k) => k in params)) {
    raw = Object.fromEntries(
      Object.entries(flat)
        .filter(([, k]) => k in params)
        .map(([key, k]) => [key, params[k]]),
    );
  }
  if (raw === undefined) return { rule: DEFAULT_RELEASE_GATE_RULE, fromPolicy: false, error: null };
  const bad = (why: string) => ({ rule: DEFAULT_RELEASE_GATE_RULE, fromPolicy: true, error: `policy params.releaseGate is invalid: ${why}` });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('not an object');
  const o = raw as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !['requireRunSucceeded', 'requiredFlags', 'minCompliantArtifacts'].includes(k));
  if (unknown.length) return bad(`unknown key(s) ${unknown.join(', ')}`);
  const rule: ReleaseGateRule = { ...DEFAULT_RELEASE_GATE_RULE };
  if (o.requireRunSucceeded !== undefined) {
    if (typeof o.requireRunSucceeded !== 'boolean') return bad('requireRunSucceeded must be true or false');
    rule.requireRunSucceeded = o.requireRunSucceeded;
  }
  if (o.requiredFlags !== undefined) {
    const fl = o.requiredFlags;
    if (!Array.isArray(fl) || !fl.every((x) => (ARTIFACT_FLAGS as readonly unknown[]).includes(x)) || new Set(fl).size !== fl.length)
      return bad(`requiredFlags must list distinct flags of ${ARTIFACT_FLAGS.join(', ')}`);
    rule.requiredFlags = fl as ArtifactFlag[];
  }
  if (o.minCompliantArtifacts !== undefined) {
    const n = o.minCompliantArtifacts;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 10_000) return bad('minCompliantArtifacts must be an integer in 0..10000');
    rule.minCompliantArtifacts = n;
  }
  return { rule, fromPolicy: true, error: null };
}
