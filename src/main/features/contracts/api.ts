// contracts.* handlers (channels: src/shared/api/contracts.ts).
import type { HandlersFor } from '../../../shared/api/channel';
import type { contractsChannels } from '../../../shared/api/contracts';
import type { ContractRegistry } from './contract-loader';

export function contractsApi({ contracts }: { contracts: ContractRegistry }): HandlersFor<typeof contractsChannels> {
  return {
    'contracts.list': () => ({ contracts: contracts.latest() }),
  };
}
