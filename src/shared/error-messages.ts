// Errors as messages (decision 0030). An API error keeps its wire shape { code, message, details };
// as a message it is `errors.<CODE>.<reason>` (`errors.<CODE>._` without a reason) with its scalar
// details as the params, which the renderer shows in the user's language (renderer/ui/error-words.ts).
// Errors the device stores or reports later (an outbox item's last error, the sync status's last
// error) are such messages too; a row written before holds a plain sentence, which still shows as it is.
import { Type } from '@sinclair/typebox';
import { ApiError } from './errors';
import { isMessage, messageSchema, type Message, type MessageParams } from './messages';

/** An error as stored or sent on: a message, or the plain sentence of a row from before messages. */
export const storedErrorSchema = Type.Union([Type.String(), messageSchema]);
export type StoredError = string | Message;

/** A segment of a message code: what a reason or an error code may be to name a key. */
const KEY_PART = /^[A-Za-z0-9_]{1,64}$/;
const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_PARAMS = 24;
const MAX_TEXT = 300;

/** The first of a list of validation problems ({ path, … }), as ajv's errors are described. */
function firstProblem(list: unknown[]): { path: string; count: number } {
  const first = list[0] as { path?: unknown; instancePath?: unknown } | undefined;
  const path = typeof first?.path === 'string' ? first.path : typeof first?.instancePath === 'string' ? first.instancePath : '';
  return { path: path || '/', count: list.length };
}

/** The scalar details of an error (text, numbers, yes/no as text): the params of its message. */
function scalarParams(details: Record<string, unknown>): MessageParams {
  const out: MessageParams = {};
  let n = 0;
  for (const [k, v] of Object.entries(details)) {
    if (n >= MAX_PARAMS || !PARAM_NAME.test(k)) continue;
    if (typeof v === 'string') out[k] = v.slice(0, MAX_TEXT);
    else if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    else if (typeof v === 'boolean') out[k] = String(v);
    else continue;
    n += 1;
  }
  return out;
}

/**
 * An API error (or a sync item's error, whose codes are the server's) as a message. A list of
 * validation problems (the details themselves, or `details.errors`) gives reason `schema` with the
 * first problem's `path` and the `count`; `retryAfterMs` also gives whole `seconds`. `message`
 * (the developer's English text) is kept as a param only when asked: a stored error shows it when
 * this build has no words for the code.
 */
export function apiErrorMessage(e: { code: string; message?: string; details?: unknown }, keepMessage = false): Message {
  const d = e.details;
  const details = typeof d === 'object' && d !== null && !Array.isArray(d) ? (d as Record<string, unknown>) : {};
  const params = scalarParams(details);
  const problems = Array.isArray(d) ? d : Array.isArray(details.errors) ? (details.errors as unknown[]) : null;
  let reason = typeof details.reason === 'string' && KEY_PART.test(details.reason) ? details.reason : null;
  if (problems && problems.length > 0) {
    Object.assign(params, firstProblem(problems));
    reason ??= 'schema';
  }
  if (typeof details.retryAfterMs === 'number' && details.retryAfterMs >= 0) params.seconds = Math.max(1, Math.ceil(details.retryAfterMs / 1000));
  if (keepMessage && typeof e.message === 'string') params.message = e.message.slice(0, MAX_TEXT);
  const code = KEY_PART.test(e.code) ? e.code : 'INTERNAL';
  return Object.keys(params).length > 0 ? { code: `errors.${code}.${reason ?? '_'}`, params } : { code: `errors.${code}.${reason ?? '_'}` };
}

/** `outer` with `inner` as its cause: the renderer shows the cause in words and passes it as `{cause}`. */
export function withCause(outer: Message, inner: StoredError): Message {
  const params: MessageParams = { ...outer.params };
  if (typeof inner === 'string') params.cause = inner.slice(0, MAX_TEXT);
  else {
    params.causeCode = inner.code;
    for (const [k, v] of Object.entries(inner.params ?? {})) params[`cause_${k}`] = v;
  }
  return { code: outer.code, params };
}

/**
 * A thrown error as the cause of a message (an alert's "… refused: {cause}"): an API error by its
 * code, an error that says itself as a message (a bundle refusal's `toMessage()`) as that message,
 * anything else as its own text (a file system's or a parser's words, shown as they are).
 */
export function thrownCause(e: unknown): StoredError {
  if (e instanceof ApiError) return apiErrorMessage(e, true);
  const said = (e as { toMessage?: unknown } | null)?.toMessage;
  if (typeof said === 'function') {
    const m = (said as () => unknown).call(e);
    if (isMessage(m)) return m;
  }
  return (e instanceof Error ? e.message : String(e)).slice(0, MAX_TEXT);
}

/** The cause withCause put in a message (null when it has none), and the message's own params. */
export function causeOf(m: Message): { own: MessageParams; cause: StoredError | null } {
  const own: MessageParams = {};
  const inner: MessageParams = {};
  for (const [k, v] of Object.entries(m.params ?? {})) {
    if (k.startsWith('cause_')) inner[k.slice(6)] = v;
    else if (k !== 'causeCode') own[k] = v;
  }
  const code = m.params?.causeCode;
  if (typeof code === 'string') return { own, cause: Object.keys(inner).length > 0 ? { code, params: inner } : { code } };
  return { own, cause: null };
}

/** The text a stored error is kept as in a TEXT column: a message as JSON, a plain sentence as it is. */
export function encodeStoredError(e: StoredError): string {
  return typeof e === 'string' ? e : JSON.stringify(e);
}

/** A stored error as it was written: a message, or the plain sentence of a row from before. */
export function decodeStoredError(s: string | null): StoredError | null {
  if (s === null || !s.startsWith('{')) return s;
  try {
    const v = JSON.parse(s) as unknown;
    return isMessage(v) ? v : s;
  } catch {
    return s;
  }
}
