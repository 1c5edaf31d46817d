// governance.* handlers (channels: src/shared/api/governance.ts).
import type { HandlersFor } from '../../../shared/api/channel';
import type { governanceChannels } from '../../../shared/api/governance';
import type { Governance } from './index';

export function governanceApi({ governance }: { governance: Governance }): HandlersFor<typeof governanceChannels> {
  return {
    'governance.status': () => governance.status(),
  };
}
