// A verification refusal of a sealed bundle: thrown by the bundle verifier and by its consumers
// (updates), turned into an ApiError (BUNDLE_REFUSED) at the API. Pure: the app and the tools share it.
import { ApiError } from '../errors';
import { BUNDLE_REFUSALS, type BundleRefusal, type RoleName } from './types';

export interface BundleErrorDetails {
  role?: RoleName;
  path?: string;
  [k: string]: unknown;
}

/** A verification refusal: one code per attack (shared/bundles/types BUNDLE_REFUSALS). */
export class BundleError extends Error {
  constructor(
    readonly code: BundleRefusal,
    message: string,
    readonly details: BundleErrorDetails = {},
  ) {
    super(message);
    this.name = 'BundleError';
  }

  toApiError(): ApiError {
    return new ApiError('BUNDLE_REFUSED', this.message, { refusal: this.code, description: BUNDLE_REFUSALS[this.code], ...this.details });
  }
}

export const refuse = (code: BundleRefusal, message: string, details?: BundleErrorDetails): never => {
  throw new BundleError(code, message, details);
};
