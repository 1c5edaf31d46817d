// What the user reads about the server's word on this device (sync raises it, governance refuses with it),
// as messages (`risk.*` codes); the renderer puts them into words.
import { msg, type Message } from '../messages';

/** What the user reads when the device is blocked: when (a YYYY-MM-DD day), why, and what to do. */
export function blockedMessage(s: { blockedAt: string | null; blockedReason: string | null }): Message {
  const day = s.blockedAt && Number.isFinite(Date.parse(s.blockedAt)) ? s.blockedAt.slice(0, 10) : null;
  const why = s.blockedReason?.trim().replace(/\.+$/, '') || null;
  if (day && why) return msg('risk.device_blocked.on_why', { day, why });
  if (day) return msg('risk.device_blocked.on', { day });
  if (why) return msg('risk.device_blocked.why', { why });
  return msg('risk.device_blocked.plain');
}

export const UPDATE_REQUIRED_MESSAGE: Message = Object.freeze(msg('risk.update_required_device'));
