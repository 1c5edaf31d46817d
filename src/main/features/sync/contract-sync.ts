// Micro-contract updates the server announced in its sync replies.
import { msg } from '../../../shared/messages';
import { thrownCause, withCause } from '../../../shared/error-messages';
import { readSyncConfig } from '../../platform/device/sync-config';
import type { DeviceSigner } from '../../platform/device/credential';
import type { EngineCtx } from './context';

/** Install newer minor/patch versions the server announced; flag newer majors. Failures only alert. */
export async function updateContracts(ctx: EngineCtx, signer: DeviceSigner): Promise<void> {
  const { d } = ctx;
  const cfg = readSyncConfig(d.db);
  if (!cfg) return;
  const plan = d.contractUpdates.plan(cfg.contracts);
  if (plan.install.length) {
    try {
      await d.contractUpdates.installFromServer(d.contractsReader(cfg.serverUrl, signer, ctx.fetchFn), plan.install);
    } catch (e) {
      // A bundle refusal (features/bundles' BundleError) says which check failed: its code, and its words as the cause.
      const contracts = plan.install.join(', ');
      const refused = (e as Error).name === 'BundleError' ? msg('alerts.contract_update_refused', { contracts, refusal: (e as { code: string }).code }) : null;
      d.alerts.raise(
        'CONTRACT_UPDATE_FAILED',
        withCause(refused ?? msg('alerts.contract_update_failed', { contracts }), thrownCause(e)),
        plan.install.join(','),
      );
    }
  }
  for (const b of plan.breaking) {
    if (!d.alerts.isOpen('CONTRACT_BREAKING_UPDATE', `${b.name}@${b.server}`)) {
      d.alerts.raise('CONTRACT_BREAKING_UPDATE', msg('alerts.contract_breaking', { name: b.name, server: b.server, local: b.local }), `${b.name}@${b.server}`);
    }
  }
}
