// The release gate evaluated against a run's artifacts: pass or fail, what is missing, the invariants.
import type { InvariantResult, RunStatus } from '../../../shared/workflow/types';
import type { ArtifactView, ReleaseGateRule } from '../../../shared/evidence/types';
import { msg, type Message } from '../../../shared/messages';
import { FLAG_WORDS } from './rows';

export interface Evaluation {
  passed: boolean;
  message: string;
  runStatus: RunStatus;
  artifacts: ArtifactView[];
  compliantIds: string[];
  manualCompliantIds: string[];
  missing: string[];
  /** `missing` as messages (`guard.lane.gate_*`), one for each, in the same order: the gate card's lane reasons. */
  missingWords: Message[];
  invariants: InvariantResult[];
}

export function evaluate(status: RunStatus, artifacts: ArtifactView[], rule: ReleaseGateRule, ruleError: string | null): Evaluation {
  const compliant = artifacts.filter((a) => rule.requiredFlags.every((f) => a.flags[f].value));
  const compliantIds = compliant.map((a) => a.id);
  const manualCompliantIds = compliant.filter((a) => rule.requiredFlags.some((f) => a.flags[f].source === 'manual')).map((a) => a.id);
  const runOk = !rule.requireRunSucceeded || status === 'succeeded';
  const enough = compliant.length >= rule.minCompliantArtifacts;
  const missing: string[] = [];
  const missingWords: Message[] = [];
  const lack = (text: string, m: Message) => {
    missing.push(text);
    missingWords.push(m);
  };
  if (ruleError) lack(`${ruleError} (the gate fails closed)`, msg('guard.lane.gate_rule_error', { error: ruleError }));
  if (!runOk) lack(`The run is ${status}; it must have succeeded.`, msg('guard.lane.gate_run_status', { status }));
  if (!enough) {
    if (artifacts.length === 0) lack('The run has no artifacts.', msg('guard.lane.gate_no_artifacts'));
    for (const f of rule.requiredFlags)
      if (!artifacts.some((a) => a.flags[f].value)) lack(`No artifact has ${f} (${FLAG_WORDS[f]}).`, msg('guard.lane.gate_no_flag', { flag: f }));
    const counts = { compliant: compliant.length, required: rule.minCompliantArtifacts };
    const flags = rule.requiredFlags.join(', ');
    lack(
      `${compliant.length} of ${rule.minCompliantArtifacts} required artifact(s) have all of: ${flags || '(no flags)'}.`,
      flags ? msg('guard.lane.gate_too_few', { ...counts, flags }) : msg('guard.lane.gate_too_few_any', counts),
    );
  }
  const passed = !ruleError && runOk && enough;
  let message: string;
  if (passed) message = `Release gate passed: ${compliant.length} compliant artifact(s) found`;
  else if (ruleError) message = `Release gate failed: ${ruleError}`;
  else if (!runOk) message = `Release gate failed: run status is ${status}, not succeeded`;
  else if (artifacts.length === 0) message = 'Release gate failed: no artifacts found';
  else
    message = `Release gate failed: ${compliant.length} compliant artifact(s), ${rule.minCompliantArtifacts} required (flags: ${rule.requiredFlags.join(', ')})`;
  const invariants: InvariantResult[] = [];
  if (ruleError) invariants.push({ id: 'INV.RELEASE.RULE_VALID', pass: false, message: ruleError, values: {} });
  invariants.push({
    id: 'INV.RELEASE.RUN_SUCCEEDED',
    pass: runOk,
    message: runOk ? null : `The run is ${status}; the release gate needs a succeeded run`,
    values: { 'run.status': status, required: rule.requireRunSucceeded },
  });
  for (const f of rule.requiredFlags) {
    const withFlag = artifacts.filter((a) => a.flags[f].value);
    invariants.push({
      id: `INV.RELEASE.FLAG.${f.toUpperCase()}`,
      pass: withFlag.length > 0,
      message: withFlag.length ? null : `No artifact of the run has ${f} (${FLAG_WORDS[f]})`,
      values: { artifacts: withFlag.length, manual: withFlag.filter((a) => a.flags[f].source === 'manual').length },
    });
  }
  invariants.push({
    id: 'INV.RELEASE.COMPLIANT_ARTIFACTS',
    pass: enough,
    message: enough ? null : `${compliant.length} artifact(s) have all required flags; ${rule.minCompliantArtifacts} required`,
    values: { compliant: compliant.length, required: rule.minCompliantArtifacts, total: artifacts.length, requiredFlags: rule.requiredFlags },
  });
  return { passed, message, runStatus: status, artifacts, compliantIds, manualCompliantIds, missing, missingWords, invariants };
}
