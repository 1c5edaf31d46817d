// One client for both hosts: Electron's preload bridge when present, else the web host's
// token-protected HTTP bridge. Views call `call('audit.list', {...})` and get typed data or an ApiError.
import type { ChannelName, EventName, Events, Req, Res } from '../../shared/api/index';
import { ApiError, isApiErrorBody, type ApiResult } from '../../shared/errors';

/** `keepalive`: the request may outlive the page (a save started in pagehide); ignored over Electron IPC. */
export interface CallOptions {
  keepalive?: boolean;
}

/** Chromium refuses keepalive requests whose body exceeds 64 KiB; larger ones go as ordinary requests. */
const KEEPALIVE_MAX_BODY = 60_000;

type Transport = {
  invoke<K extends ChannelName>(ch: K, input: Req<K>, opts?: CallOptions): Promise<ApiResult<Res<K>>>;
  on<K extends EventName>(name: K, cb: (p: Events[K]) => void): () => void;
};

const TOKEN_KEY = 'maestro.token';

function webToken(): string | null {
  const m = /(?:^|[#&])token=([^&]+)/.exec(window.location.hash);
  if (m?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    // Keep the token out of the address bar, history and screenshots.
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function httpTransport(): Transport {
  const token = webToken();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let streaming = false;

  async function stream(): Promise<void> {
    if (streaming || !token) return;
    streaming = true;
    try {
      const res = await fetch('/api/events', { headers: { authorization: `Bearer ${token}` } });
      const reader = res.body?.getReader();
      if (!reader) return;
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let idx: number;
        while ((idx = buf.indexOf('\n\n')) >= 0) {
          const chunk = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          const ev = /^event: (.+)$/m.exec(chunk)?.[1];
          const data = /^data: (.+)$/m.exec(chunk)?.[1];
          if (ev && data) for (const cb of listeners.get(ev) ?? []) cb(JSON.parse(data) as unknown);
        }
      }
    } catch {
      // The host went away; the next call surfaces the error to the user.
    } finally {
      streaming = false;
      setTimeout(() => void stream(), 2000);
    }
  }

  return {
    async invoke(ch, input, opts = {}) {
      if (!token)
        return {
          ok: false,
          error: { code: 'UNAUTHORIZED', message: 'Open the link printed by the web host (it carries the access token).', details: { reason: 'no_token' } },
        };
      const body = JSON.stringify(input ?? {});
      const res = await fetch(`/api/${ch}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
        keepalive: opts.keepalive === true && body.length <= KEEPALIVE_MAX_BODY,
      });
      const reply = (await res.json()) as unknown;
      if (typeof reply === 'object' && reply !== null && 'ok' in reply) return reply as ApiResult<never>;
      return {
        ok: false,
        error: { code: 'INTERNAL', message: `Unexpected response (${res.status})`, details: { reason: 'unexpected_reply', status: res.status } },
      };
    },
    on(name, cb) {
      const set = listeners.get(name) ?? new Set();
      set.add(cb as (p: unknown) => void);
      listeners.set(name, set);
      void stream();
      return () => set.delete(cb as (p: unknown) => void);
    },
  };
}

function electronTransport(): Transport | null {
  const b = window.maestro;
  if (!b) return null;
  return {
    invoke: (ch, input) => (b.api[ch] as (i: unknown) => Promise<ApiResult<never>>)(input),
    on: (name, cb) => b.on(name, cb),
  };
}

const transport: Transport = electronTransport() ?? httpTransport();
export const hostKind: 'electron' | 'web' = window.maestro ? 'electron' : 'web';

export async function call<K extends ChannelName>(ch: K, input: Req<K>, opts?: CallOptions): Promise<Res<K>> {
  let r: ApiResult<Res<K>>;
  try {
    r = await transport.invoke(ch, input, opts);
  } catch (e) {
    throw new ApiError('INTERNAL', `Cannot reach the Maestro service: ${(e as Error).message}`, { reason: 'unreachable', error: (e as Error).message });
  }
  if (r.ok) return r.data;
  const err = isApiErrorBody(r.error) ? r.error : { code: 'INTERNAL' as const, message: 'Unknown error', details: { reason: 'unknown_reply' } };
  throw new ApiError(err.code, err.message, err.details);
}

export function onEvent<K extends EventName>(name: K, cb: (p: Events[K]) => void): () => void {
  return transport.on(name, cb);
}
