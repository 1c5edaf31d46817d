/**
 * Cards not written by a run have an empty runId and no step: `bundle.quarantine` (written when a
 * sealed bundle is quarantined), and any kind this renderer does not know yet. Say so instead of
 * showing an empty run.
 */
export const noRunLabel = (kind: string): string => (kind.startsWith('bundle.') ? 'No run — sealed bundle' : 'No run');
