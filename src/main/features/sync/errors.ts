// Sync errors as messages (decision 0030): what the sync status, an outbox item or a transfer says
// went wrong is a code with params (`errors.sync.*`, or the server's API error as `errors.<CODE>.<reason>`),
// which the renderer puts into words; logs and audit entries keep the code.
import { ApiError } from '../../../shared/errors';
import { apiErrorMessage } from '../../../shared/error-messages';
import { msg, type Message } from '../../../shared/messages';
import { NetworkError } from '../../platform/device/signed-fetch';

/** A thrown error as a message: an API error by its code, the network by `unreachable`, anything else as `failed`. */
export function errorAsMessage(e: unknown): Message {
  if (e instanceof ApiError) return apiErrorMessage(e, true);
  const detail = (e instanceof Error ? e.message : String(e)).slice(0, 300);
  if (e instanceof NetworkError) return msg('errors.sync.unreachable', { detail });
  return msg('errors.sync.failed', { detail });
}

/** The error envelope of a server reply (an API error, as a message), or the bare HTTP status. */
export function replyError(status: number, body: unknown): Message {
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (typeof err?.code !== 'string') return msg('errors.sync.http', { status });
  return apiErrorMessage({ code: err.code, message: typeof err.message === 'string' ? err.message : undefined, details: err.details }, true);
}
