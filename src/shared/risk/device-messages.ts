// What the user reads about the server's word on this device (sync raises it, governance refuses with it).

/** What the user reads when the device is blocked: when, why, and what to do. */
export function blockedMessage(s: { blockedAt: string | null; blockedReason: string | null }): string {
  const day = s.blockedAt && Number.isFinite(Date.parse(s.blockedAt)) ? ` on ${s.blockedAt.slice(0, 10)}` : '';
  const reason = s.blockedReason?.trim().replace(/\.+$/, '');
  const why = reason ? `: ${reason}` : '';
  return `This device was blocked by an administrator${day}${why}. Contact your admin; your data stays on this device.`;
}

export const UPDATE_REQUIRED_MESSAGE = 'An administrator requires an app update: install the latest version of Maestro, then sync.';
