// Pure words of a decision (no API, no DOM): what is being decided, and the sentence a reviewer reads after.
export type Decision = 'approve' | 'reject';

/** What is being decided: a run of this device, or a card recorded on another device. */
export type DecisionTarget =
  | { scope: 'device'; runId: string; decision: Decision }
  | { scope: 'tenant'; device: string; user: string; runId: string; cardId: string; subject: string; decision: Decision };

/** The sentence a reviewer reads after deciding: what they decided, and what happens next. */
export function confirmationOf(d: DecisionTarget): string {
  const what = d.scope === 'tenant' ? `“${d.subject}” (run ${d.runId} on device ${d.device})` : `the waiting step of run ${d.runId}`;
  if (d.decision === 'approve') {
    return d.scope === 'tenant'
      ? `You approved ${what}. It is sent with the next sync; the run continues on that device when it pulls your approval.`
      : `You approved ${what}. The run continues from that step.`;
  }
  return d.scope === 'tenant'
    ? `You rejected ${what}. It is sent with the next sync; the run stops on that device when it pulls your rejection.`
    : `You rejected ${what}. The run stops and its finished steps are undone.`;
}
