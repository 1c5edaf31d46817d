// The schemas fixed at build time whose validators the build precompiles (decision 0042), by key:
// `first` what start-up and the first screen compile (the unlock call, the bundle, policy, contract
// and workflow documents read while the services open, the first screen's channels); `rest` every other
// channel. The same function names them for the build's generator and for the app, which hands the
// generated table and these objects to usePrecompiled: the key ties a validator to the very object
// the app's code compiles.
import { channelSchemas, type ChannelName } from '../../../shared/api/index';
import { ROLE_SCHEMAS } from '../../../shared/bundles/schemas';
import { I18N_META_SCHEMA } from '../../../shared/contract-annotations';
import { contractDocSchema } from '../../features/contracts/contract-loader';
import { invariantSchema } from '../../features/policy/invariants';
import { overlaySchema } from '../../features/policy/overlay';
import { policySchema } from '../../features/policy/policy';
import { EXECUTOR_REGISTRY } from '../../features/runs/executors/index';
import { workflowManifestSchema } from '../../../shared/workflow/manifest-schema';
import { FIRST_SCREEN_CHANNELS } from '../first-screen';

export type PrecompiledGroup = 'first' | 'rest';

const FIRST: readonly ChannelName[] = [...FIRST_SCREEN_CHANNELS, 'system.unlock'];

function channels(names: readonly ChannelName[]): Record<string, object> {
  const out: Record<string, object> = {};
  for (const name of names) {
    out[`channel:${name}:req`] = channelSchemas[name].req;
    out[`channel:${name}:res`] = channelSchemas[name].res;
  }
  return out;
}

export function fixedSchemas(group: PrecompiledGroup): Record<string, object> {
  if (group === 'rest') return channels((Object.keys(channelSchemas) as ChannelName[]).filter((n) => !FIRST.includes(n)));
  const out: Record<string, object> = channels(FIRST);
  for (const [role, schema] of Object.entries(ROLE_SCHEMAS)) out[`bundle:${role}`] = schema;
  out['contract:doc'] = contractDocSchema;
  out['contract:i18n'] = I18N_META_SCHEMA;
  out['policy:policy'] = policySchema;
  out['policy:invariants'] = invariantSchema;
  out['policy:overlay'] = overlaySchema;
  out['workflow:manifest'] = workflowManifestSchema;
  for (const [name, executor] of Object.entries(EXECUTOR_REGISTRY)) out[`executor:${name}`] = executor.withSchema;
  return out;
}
