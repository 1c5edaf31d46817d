// The refusal error lives in src/shared/bundles/errors.ts (updates, sync and the API handlers use it
// without importing this feature); re-exported for the bundle code and for callers not yet moved.
export { BundleError, refuse } from '../../../shared/bundles/errors';
