// Pure words of a decision (no API, no DOM): what is being decided, what it will do, and the sentence
// a reviewer reads after. One set of words for this device's runs and for another device's.
export type Decision = 'approve' | 'reject';

/** What is being decided: a run of this device, or a card recorded on another device. */
export type DecisionTarget =
  | { scope: 'device'; runId: string; decision: Decision; cardId?: string; subject?: string }
  | { scope: 'tenant'; device: string; user: string; runId: string; cardId: string; subject: string; decision: Decision };

/** What approving or rejecting will do, said before the reviewer confirms. */
export function effectOf(d: DecisionTarget): string {
  const recorded = 'Your name, the time and your comment are recorded on the decision card and in the audit log.';
  if (d.scope === 'device') {
    return d.decision === 'approve'
      ? `The run continues from the waiting step. ${recorded}`
      : `The run stops and its finished steps are undone (compensated in reverse). ${recorded}`;
  }
  const happens =
    d.decision === 'approve'
      ? 'The run continues on that device once it pulls your approval.'
      : 'The run stops on that device once it pulls your rejection; its finished steps are undone.';
  return `${happens} This device signs your decision and sends it with the next sync. If another reviewer decided first, theirs stands and you will see it here. ${recorded}`;
}

/**
 * The sentence a reviewer reads after deciding: what they decided, and what happens next.
 * `deviceName`: how the other device is named to people ("ada@acme’s device"; never its id).
 */
export function confirmationOf(d: DecisionTarget, deviceName = 'another device'): string {
  const subject = d.subject ? `“${d.subject}”` : null;
  const what = d.scope === 'tenant' ? `${subject ?? 'the waiting step'} (run ${d.runId} on ${deviceName})` : (subject ?? `the waiting step of run ${d.runId}`);
  if (d.decision === 'approve') {
    return d.scope === 'tenant'
      ? `You approved ${what}. It is sent with the next sync; the run continues on that device when it pulls your approval.`
      : `You approved ${what}. The run continues from that step.`;
  }
  return d.scope === 'tenant'
    ? `You rejected ${what}. It is sent with the next sync; the run stops on that device when it pulls your rejection.`
    : `You rejected ${what}. The run stops and its finished steps are undone.`;
}
