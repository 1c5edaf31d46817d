// The channel table: every channel the renderer may call and every event the main process pushes,
// joined from one TypeBox declaration per feature (./<feature>.ts). The dispatcher validates each
// request and response against these schemas (ajv); the TypeScript types are derived from them.
import type { Static } from '@sinclair/typebox';
import type { ReqOf, ResOf } from './channel';
import { adminChannels } from './admin';
import { auditChannels, auditEvents } from './audit';
import { backupChannels, backupEvents } from './backup';
import { bundlesChannels, bundlesEvents } from './bundles';
import { captureChannels } from './capture';
import { cardsChannels } from './cards';
import { contractsChannels } from './contracts';
import { evidenceChannels, evidenceEvents } from './evidence';
import { governanceChannels } from './governance';
import { inferenceChannels, inferenceEvents } from './inference';
import { keysChannels } from './keys';
import { memoryChannels, memoryEvents } from './memory';
import { outboxChannels } from './outbox';
import { policyChannels } from './policy';
import { profileChannels } from './profile';
import { syncChannels, syncEvents } from './sync';
import { transfersChannels, transfersEvents } from './transfers';
import { systemChannels } from './system';
import { teamChannels, teamEvents } from './team';
import { updatesChannels } from './updates';
import { workflowsChannels, workflowsEvents } from './workflows';

export * from './channel';
export * from './admin';
export * from './audit';
export * from './backup';
export * from './bundles';
export * from './capture';
export * from './cards';
export * from './contracts';
export * from './evidence';
export * from './governance';
export * from './inference';
export * from './keys';
export * from './memory';
export * from './outbox';
export * from './policy';
export * from './profile';
export * from './sync';
export * from './transfers';
export * from './system';
export * from './team';
export * from './updates';
export * from './workflows';

export const apiChannels = {
  ...systemChannels,
  ...profileChannels,
  ...auditChannels,
  ...contractsChannels,
  ...captureChannels,
  ...outboxChannels,
  ...syncChannels,
  ...transfersChannels,
  ...keysChannels,
  ...governanceChannels,
  ...adminChannels,
  ...workflowsChannels,
  ...cardsChannels,
  ...policyChannels,
  ...bundlesChannels,
  ...updatesChannels,
  ...memoryChannels,
  ...inferenceChannels,
  ...evidenceChannels,
  ...teamChannels,
  ...backupChannels,
};
export type ApiChannels = typeof apiChannels;

export type ChannelName = keyof ApiChannels;
export type Req<K extends ChannelName> = ReqOf<ApiChannels[K]>;
export type Res<K extends ChannelName> = ResOf<ApiChannels[K]>;

export const channelSchemas: { readonly [K in ChannelName]: ApiChannels[K] } = apiChannels;

export const eventSchemas = {
  ...auditEvents,
  ...syncEvents,
  ...transfersEvents,
  ...workflowsEvents,
  ...bundlesEvents,
  ...evidenceEvents,
  ...inferenceEvents,
  ...memoryEvents,
  ...teamEvents,
  ...backupEvents,
};
export type EventName = keyof typeof eventSchemas;
export type Events = { [K in EventName]: Static<(typeof eventSchemas)[K]> };

export const channelNames = Object.keys(channelSchemas) as ChannelName[];
export const eventNames = Object.keys(eventSchemas) as EventName[];
