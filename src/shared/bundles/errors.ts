// A verification refusal of a sealed bundle: thrown by the bundle verifier and by its consumers
// (updates), turned into an ApiError (BUNDLE_REFUSED) at the API. Pure: the app and the tools share it.
// The message text is the developer's (logs, CLI); people read the refusal as a message code,
// `refusals.bundle.<CODE>` with the scalar details (path, role, versions, …) as its params.
import { ApiError } from '../errors';
import { msg, type Message, type MessageParams } from '../messages';
import type { BundleRefusal, RoleName } from './types';

export interface BundleErrorDetails {
  role?: RoleName;
  path?: string;
  [k: string]: unknown;
}

/** The scalar details of a refusal (path, role, version, seen, expires, …): its message's params. */
export function refusalParams(details: Record<string, unknown>): MessageParams {
  const out: MessageParams = {};
  for (const [k, v] of Object.entries(details)) if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
  return out;
}

/** A refusal code and its details as the message people read: `refusals.bundle.<CODE>` with params. */
export const refusalMessage = (code: BundleRefusal, details: Record<string, unknown> = {}): Message => msg(`refusals.bundle.${code}`, refusalParams(details));

/** A verification refusal: one code per attack (shared/bundles/types BUNDLE_REFUSAL_CODES). */
export class BundleError extends Error {
  constructor(
    readonly code: BundleRefusal,
    message: string,
    readonly details: BundleErrorDetails = {},
  ) {
    super(message);
    this.name = 'BundleError';
  }

  /** The refusal as a message (code and params), for the UI, audit entries and logs. */
  toMessage(): Message {
    return refusalMessage(this.code, this.details);
  }

  /** BUNDLE_REFUSED with `details.refusal` (the code) and the details (path, role, … and `changes`). */
  toApiError(): ApiError {
    return new ApiError('BUNDLE_REFUSED', this.message, { refusal: this.code, ...this.details });
  }
}

export const refuse = (code: BundleRefusal, message: string, details?: BundleErrorDetails): never => {
  throw new BundleError(code, message, details);
};
