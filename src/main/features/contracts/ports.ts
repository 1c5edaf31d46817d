// What the contract features need from other features (structural: the bundle store satisfies it).
import type { BundleService } from '../bundles/types';

/** Installs a verified bundle (the server's contracts bundle). */
export type BundleInstaller = Pick<BundleService, 'install'>;

export type { AdmitCheck } from '../bundles/types';
