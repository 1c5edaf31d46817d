// contracts.*: the action contracts this device can capture.
import { Type, type Static } from '@sinclair/typebox';
import { anyObject, channel, empty, enumOf, obj, str } from './channel';

export const contractDocSchema = obj({
  contract: str(),
  title: str(),
  description: Type.Optional(str()),
  kind: enumOf(['capture', 'draft', 'submit']),
  permission: str(),
  pii: Type.Array(str()),
  riskHints: anyObject(),
  schema: anyObject(),
});
export type ContractDoc = Static<typeof contractDocSchema>;

export const contractsChannels = {
  'contracts.list': channel('Action contracts this device can capture.', empty, obj({ contracts: Type.Array(contractDocSchema) })),
};
