// What the updates feature needs from other features (structural: the bundle store satisfies it).
import type { BundleService } from '../bundles/types';

export type { ActiveBundle } from '../bundles/types';

/** The active, verified `app-update` bundle and its changes. */
export type UpdateBundles = Pick<BundleService, 'activeOfKind' | 'subscribe'>;
