// Pure words of a decision (no API, no DOM): what is being decided, what it will do, and the sentence
// a reviewer reads after. One set of words for this device's runs and for another device's, in the
// language in use (i18n, namespace "runs").
import { i18next } from '../../i18n';

export type Decision = 'approve' | 'reject';

/** What is being decided: a run of this device, or a card recorded on another device. */
export type DecisionTarget =
  | { scope: 'device'; runId: string; decision: Decision; cardId?: string; subject?: string }
  | { scope: 'tenant'; device: string; user: string; runId: string; cardId: string; subject: string; decision: Decision };

/** What approving or rejecting will do, said before the reviewer confirms. */
export function effectOf(d: DecisionTarget): string {
  if (d.scope === 'device') return i18next.t(d.decision === 'approve' ? 'runs:decision.effectDeviceApprove' : 'runs:decision.effectDeviceReject');
  return i18next.t(d.decision === 'approve' ? 'runs:decision.effectTenantApprove' : 'runs:decision.effectTenantReject');
}

/**
 * The sentence a reviewer reads after deciding: what they decided, and what happens next.
 * `deviceName`: how the other device is named to people ("ada@acme’s device"; never its id).
 */
export function confirmationOf(d: DecisionTarget, deviceName: string = i18next.t('runs:decision.anotherDevice')): string {
  const args = { hasSubject: d.subject ? 'yes' : 'no', subject: d.subject ?? '', runId: d.runId, device: deviceName };
  if (d.scope === 'tenant') return i18next.t(d.decision === 'approve' ? 'runs:decision.doneTenantApprove' : 'runs:decision.doneTenantReject', args);
  return i18next.t(d.decision === 'approve' ? 'runs:decision.doneDeviceApprove' : 'runs:decision.doneDeviceReject', args);
}
