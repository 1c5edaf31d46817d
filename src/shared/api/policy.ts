// policy.*: the active policy, invariants and workflows (src/main/features/policy).
import type { PolicyStatus } from '../workflow/views';
import { policyStatusSchema } from '../workflow/schemas';
import { PLAIN_LANG_PATTERN } from '../policy/types';
import { mapOf, obj } from '../typebox';
import { channel, empty, foreign, str } from './channel';

const policyStatus = foreign<PolicyStatus>(policyStatusSchema);

const plainText = obj({ what: str(), failed: str(), next: str() });
/** Invariant id → language → its words for people (`en` always present). */
const plainTexts = obj({ invariants: mapOf(mapOf(plainText, { propertyNames: { pattern: PLAIN_LANG_PATTERN } })) });

export const policyChannels = {
  'policy.status': channel('The active policy version, invariant and workflow counts, and files refused at the last load.', empty, policyStatus),
  'policy.reload': channel(
    'Reload policy, invariants and workflows from the active verified bundles; a file that fails leaves the previous set active and raises an alert.',
    empty,
    policyStatus,
  ),
  'policy.texts': channel(
    "Every active invariant's words for people by id and language (what it makes sure of, what happened when it fails, what to do next).",
    empty,
    plainTexts,
  ),
};
