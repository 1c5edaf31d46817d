// Messages as codes (issue 21, decision 0030): shared code, the main process and the sync server say
// what happened as a code with parameters, never as a finished English sentence. The renderer turns a
// message into words in the user's language (renderer/ui/message.ts: the code's first segment is the
// i18n namespace, the rest the key; the params are the ICU arguments). Logs and audit entries keep
// the code and its params, so they read the same whatever language the user had.
import { Type, type Static } from '@sinclair/typebox';
import { obj } from './typebox';

/** A message code: `namespace.key` (lower case, digits, `_`, dots), e.g. `risk.last_sync_over`. */
export const MESSAGE_CODE_PATTERN = '^[a-z][a-z0-9_]*(\\.[a-zA-Z0-9_]+)+$';

/** A parameter: plain text or a number (ICU formats numbers, plurals and selects in the user's language). */
const paramSchema = Type.Union([Type.String(), Type.Number()]);

export const messageSchema = obj({
  code: Type.String({ pattern: MESSAGE_CODE_PATTERN, maxLength: 200 }),
  params: Type.Optional(Type.Record(Type.String(), paramSchema)),
});
export type Message = Static<typeof messageSchema>;
export type MessageParams = Record<string, string | number>;

/** `msg('risk.pending_over', { count: 12, limit: 10 })`. Params are left out when there are none. */
export function msg(code: string, params?: MessageParams): Message {
  return params && Object.keys(params).length > 0 ? { code, params } : { code };
}

/** The namespace a code belongs to (its first segment) and the key inside it. */
export function splitCode(code: string): { ns: string; key: string } {
  const dot = code.indexOf('.');
  return dot < 0 ? { ns: 'common', key: code } : { ns: code.slice(0, dot), key: code.slice(dot + 1) };
}

/** A stable text form for logs, CLI output and audit details: `risk.pending_over {"count":12,"limit":10}`. */
export function messageForLog(m: Message): string {
  return m.params ? `${m.code} ${JSON.stringify(m.params)}` : m.code;
}

/** Whether an untrusted value is a message (an API response, a stored row). */
export function isMessage(v: unknown): v is Message {
  if (typeof v !== 'object' || v === null) return false;
  const { code, params } = v as Record<string, unknown>;
  if (typeof code !== 'string' || !new RegExp(MESSAGE_CODE_PATTERN).test(code)) return false;
  if (params === undefined) return true;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return false;
  return Object.values(params).every((p) => typeof p === 'string' || typeof p === 'number');
}
