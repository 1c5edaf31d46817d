// Micro-contract updates the server announced in its sync replies.
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
      // A bundle refusal (features/bundles' BundleError) says which check failed.
      const code = (e as Error).name === 'BundleError' ? ` (${(e as { code: string }).code})` : '';
      d.alerts.raise('CONTRACT_UPDATE_FAILED', `Could not install ${plan.install.join(', ')}${code}: ${(e as Error).message}`, plan.install.join(','));
    }
  }
  for (const b of plan.breaking) {
    if (!d.alerts.isOpen('CONTRACT_BREAKING_UPDATE', `${b.name}@${b.server}`)) {
      d.alerts.raise(
        'CONTRACT_BREAKING_UPDATE',
        `The server now uses ${b.name}@${b.server}, a breaking change from ${b.local} on this device. Update the app to capture with it; items captured under ${b.local} stay on this device, marked blocked, until you retry them after the update or discard them.`,
        `${b.name}@${b.server}`,
      );
    }
  }
}
