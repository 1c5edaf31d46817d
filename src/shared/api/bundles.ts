// bundles.*: sealed bundles, the only source of policies, workflows, contracts, models and updates (src/main/features/bundles).
import { Type, type Static } from '@sinclair/typebox';
import type { BundleProgress, InstallResult, SealedStateReport, VerifyResult } from '../bundles/types';
import { BUNDLE_NAME_PATTERN, bundleProgressSchema, installResultSchema, sealedStateReportSchema, verifyResultSchema } from '../bundles/schemas';
import { adminReason, channel, empty, enumOf, foreign, nullable, obj, opId, str } from './channel';

/** Where a bundle comes from: a directory (a USB stick, a share) or the enrolled sync server. */
export const bundleSourceSchema = Type.Union([
  obj({ kind: Type.Literal('path'), path: Type.String({ minLength: 1, maxLength: 4096 }) }),
  obj({ kind: Type.Literal('server'), name: Type.String({ pattern: BUNDLE_NAME_PATTERN, maxLength: 80 }) }),
]);
export type BundleSource = Static<typeof bundleSourceSchema>;

/** A bundle the sync server offers (unsigned listing: what is fetched is verified in full). */
export const availableBundleSchema = obj({ name: str(), version: nullable(str()), installed: nullable(str()) });
export type AvailableBundle = Static<typeof availableBundleSchema>;

const installResult = foreign<InstallResult>(installResultSchema);

export const bundlesChannels = {
  'bundles.report': channel(
    'Sealed-state report: the trusted root and every installed bundle version with expiry, signers, last full verification and state.',
    empty,
    foreign<SealedStateReport>(sealedStateReportSchema),
  ),
  'bundles.install': channel(
    'Verify a bundle (directory or sync server) against the trusted root and install it atomically; progress arrives as bundles.progress events.',
    obj({ source: bundleSourceSchema, opId: Type.Optional(opId()) }),
    installResult,
  ),
  'bundles.available': channel(
    'Bundles the enrolled sync server offers, with the version installed here.',
    empty,
    obj({ bundles: Type.Array(availableBundleSchema) }),
  ),
  'bundles.verify': channel(
    'Re-hash every file of one installed bundle version (or all) against its signed metadata; a mismatch quarantines it.',
    obj({ id: Type.Optional(Type.Integer({ minimum: 1 })), opId: Type.Optional(opId()) }),
    obj({ results: Type.Array(foreign<VerifyResult>(verifyResultSchema)) }),
  ),
  'bundles.activate': channel(
    'Make an earlier installed, verified version active again (rollback), with a reason.',
    obj({ id: Type.Integer({ minimum: 1 }), reason: adminReason(), confirm: Type.Literal(true) }),
    installResult,
  ),
};

export const bundlesEvents = {
  /** Verification and install progress (bytes and ETA). */
  'bundles.progress': foreign<BundleProgress>(bundleProgressSchema),
  /** A bundle was installed, activated, quarantined or re-verified. */
  'bundles.changed': obj({ name: str(), change: enumOf(['installed', 'activated', 'quarantined', 'verified']) }),
};
