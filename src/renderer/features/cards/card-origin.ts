import { i18next } from '../../i18n';

/**
 * Cards not written by a run have an empty runId and no step: `bundle.quarantine` (written when a
 * sealed bundle is quarantined), and any kind this renderer does not know yet. Say so instead of
 * showing an empty run.
 */
export const noRunLabel = (kind: string): string => i18next.t(kind.startsWith('bundle.') ? 'cards:origin.noRunBundle' : 'cards:origin.noRun');
