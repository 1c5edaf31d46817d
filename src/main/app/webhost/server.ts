import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getRequestListener } from '@hono/node-server';
import { createServer, type Server } from 'node:http';
import { HTTP_STATUS_BY_CODE, type ErrorCode, type ApiErrorBody } from '../../../shared/errors';
import type { Services } from '../services';
import { createDispatcher, type Dispatch } from '../dispatch';
import type { UnlockGate } from '../unlock-gate';
import { isLoopbackAddress, tokenChecker, tokensEqual, RENDERER_CSP, RENDERER_PERMISSIONS_POLICY } from './security';
import { createApiRoute } from './api-route';

// Room for a 10 MiB attachment as base64 in attachments.put; every other request is far smaller.
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const STATUS = HTTP_STATUS_BY_CODE;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface WebHostOptions {
  /** The open app; absent when it starts locked (then `locked` answers until `open` is called). */
  services?: Services;
  locked?: UnlockGate;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  host?: string;
  port?: number;
  /** Must be true to bind a non-loopback address (the `--host` flag). */
  allowNonLoopback?: boolean;
  token?: string;
}

export interface WebHost {
  url: string;
  /** URL with the token in the fragment: what a person opens. */
  launchUrl: string;
  token: string;
  port: number;
  /** Serve the open app (after a locked start): the full API and its events from now on. */
  open(services: Services): void;
  close(): Promise<void>;
}

export class BindRefusedError extends Error {
  readonly code = 'BIND_REFUSED';
}

const errorBody = (code: ErrorCode, message: string, details?: unknown): ApiErrorBody =>
  details === undefined ? { code, message } : { code, message, details };

const fail = (c: { json: (b: unknown, s: number) => Response }, code: ErrorCode, message: string, details?: unknown) =>
  c.json({ ok: false, error: errorBody(code, message, details) }, STATUS[code]);

/** The DNS-rebinding guard (only our own loopback host names) and the bearer token on /api/*. */
function addGuards(app: Hono, token: string, allowedHosts: () => Set<string>): void {
  // DNS-rebinding guard: only our own loopback host names.
  app.use('*', async (c, next) => {
    const host = c.req.header('host') ?? '';
    if (!allowedHosts().has(host)) return fail(c, 'FORBIDDEN', 'Host not allowed');
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  });

  app.use('/api/*', async (c, next) => {
    const auth = c.req.header('authorization') ?? '';
    const m = /^Bearer (\S+)$/.exec(auth);
    if (!m || !tokensEqual(m[1]!, token)) return fail(c, 'UNAUTHORIZED', 'Missing or wrong API token');
    await next();
  });
}

/** GET /api/events: the app's events as a server-sent event stream, with a ping every 15 s (only pings while locked). */
function addEventStream(app: Hono, services: () => Services | null): void {
  app.get('/api/events', () => {
    const encoder = new TextEncoder();
    let unsubscribe = () => {};
    let ping: ReturnType<typeof setInterval> | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(': connected\n\n'));
        unsubscribe =
          services()?.events.subscribe((name, payload) => {
            controller.enqueue(encoder.encode(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`));
          }) ?? (() => {});
        ping = setInterval(() => controller.enqueue(encoder.encode(': ping\n\n')), 15000);
      },
      cancel() {
        unsubscribe();
        if (ping) clearInterval(ping);
      },
    });
    return new Response(stream, {
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' },
    });
  });
}

/**
 * POST /api/:channel: a JSON body handed to the dispatcher; any other /api/ route is unknown. The web
 * host answers these calls before Hono (api-route.ts, the same checks and answers, much cheaper);
 * this route stays for the Hono app on its own and for names api-route.ts leaves to it (%-encoded).
 */
function addApiRoutes(app: Hono, dispatch: Dispatch): void {
  app.post(
    '/api/:channel',
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => fail(c, 'PAYLOAD_TOO_LARGE', `Request body over ${MAX_BODY_BYTES} bytes`) }),
    async (c) => {
      const channel = c.req.param('channel');
      const type = c.req.header('content-type') ?? '';
      if (!type.startsWith('application/json')) return fail(c, 'VALIDATION_ERROR', 'Content-Type must be application/json');
      const text = await c.req.text();
      let input: unknown;
      try {
        input = text.length === 0 ? {} : (JSON.parse(text) as unknown);
      } catch (e) {
        return fail(c, 'VALIDATION_ERROR', 'Malformed JSON body', [{ path: '/', keyword: 'json', message: (e as Error).message }]);
      }
      const result = await dispatch(channel, input);
      c.header('cache-control', 'no-store');
      return result.ok ? c.json(result, 200) : c.json(result, STATUS[result.error.code]);
    },
  );
  app.all('/api/*', (c) => fail(c, 'NOT_FOUND', 'Unknown API route'));
}

/**
 * A renderer file's bytes, read once and kept while its mtime and size stay (a rebuild is read
 * again); null when there is no such file. Read synchronously from memory or disk in one turn of the
 * event loop: an async read takes several turns, and at start-up each of them waited behind a
 * validator compile (startBackground's first-screen precompile), which held index.html for ~400 ms.
 */
function rendererFiles(): (file: string) => Buffer | null {
  const cache = new Map<string, { mtimeMs: number; size: number; body: Buffer }>();
  return (file) => {
    try {
      const st = statSync(file);
      if (!st.isFile()) return null;
      const hit = cache.get(file);
      if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.body;
      const body = readFileSync(file);
      cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, body });
      return body;
    } catch {
      return null;
    }
  };
}

/** The built renderer, with the same CSP Electron applies; unknown paths fall back to the app shell. */
function addRenderer(app: Hono, rendererDir: string): void {
  const read = rendererFiles();
  app.get('*', (c) => {
    const rel = c.req.path === '/' ? 'index.html' : decodeURIComponent(c.req.path.slice(1));
    const file = normalize(join(rendererDir, rel));
    if (!file.startsWith(rendererDir + sep)) return fail(c, 'NOT_FOUND', 'Not found');
    let served = file;
    let body = read(file);
    if (!body) {
      // Client-side routes fall back to the app shell.
      served = join(rendererDir, 'index.html');
      body = read(served);
      if (!body) return c.text('Renderer not built: run `npm run build` first.', 503);
    }
    return c.body(new Uint8Array(body), 200, {
      'content-type': MIME[extname(served)] ?? 'application/octet-stream',
      'content-security-policy': RENDERER_CSP,
      'permissions-policy': RENDERER_PERMISSIONS_POLICY,
      'cache-control': 'no-store',
    });
  });
}

/** The Hono app of the web host: the same dispatcher Electron's IPC uses, behind a bearer token. */
export function createWebHostApp(opts: {
  dispatch: Dispatch;
  services: () => Services | null;
  token: string;
  rendererDir: string;
  allowedHosts: () => Set<string>;
}): Hono {
  const app = new Hono();
  addGuards(app, opts.token, opts.allowedHosts);
  addEventStream(app, opts.services);
  addApiRoutes(app, opts.dispatch);
  addRenderer(app, opts.rendererDir);
  return app;
}

export async function startWebHost(o: WebHostOptions): Promise<WebHost> {
  const host = o.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host) && !o.allowNonLoopback) {
    throw new BindRefusedError(`Refusing to bind ${host}: not a loopback address. Pass --host ${host} to expose the app on the network.`);
  }
  const token = o.token ?? randomBytes(32).toString('base64url');
  if (!o.services && !o.locked) throw new Error('startWebHost needs the services or an unlock gate');
  let services: Services | null = o.services ?? null;
  let current: Dispatch = services ? createDispatcher(services) : o.locked!.dispatch;
  let port = 0;
  const allowed = new Set<string>();
  const app = createWebHostApp({
    dispatch: (channel, input) => current(channel, input),
    services: () => services,
    token,
    rendererDir: normalize(o.rendererDir),
    allowedHosts: () => allowed,
  });
  const honoListener = getRequestListener(app.fetch, { hostname: host });
  const apiRoute = createApiRoute({
    dispatch: (channel, input) => current(channel, input),
    allowedHosts: () => allowed,
    tokenOk: tokenChecker(token),
    maxBodyBytes: MAX_BODY_BYTES,
  });
  const server: Server = createServer((req, res) => {
    if (!apiRoute(req, res)) void honoListener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  for (const h of ['127.0.0.1', 'localhost', '[::1]', host]) allowed.add(`${h}:${port}`);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  return {
    url,
    launchUrl: `${url}#token=${token}`,
    token,
    port,
    open: (s) => {
      services = s;
      current = createDispatcher(s);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
