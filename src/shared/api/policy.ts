// policy.*: the active policy, invariants and workflows (src/main/features/policy).
import type { PolicyStatus } from '../workflow/views';
import { policyStatusSchema } from '../workflow/schemas';
import { channel, empty, foreign } from './channel';

const policyStatus = foreign<PolicyStatus>(policyStatusSchema);

export const policyChannels = {
  'policy.status': channel('The active policy version, invariant and workflow counts, and files refused at the last load.', empty, policyStatus),
  'policy.reload': channel(
    'Reload policy, invariants and workflows from the active verified bundles; a file that fails leaves the previous set active and raises an alert.',
    empty,
    policyStatus,
  ),
};
