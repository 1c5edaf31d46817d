// GET /v1/bundles and the files of each sealed bundle, served as static bytes from the bundles
// directory (one sub-directory per bundle: metadata/*.json and targets/<path>, as the repository
// tooling writes them). The server signs nothing and checks nothing about a bundle: the device
// verifies every byte it fetches against the root it trusts. What this router guarantees is only
// that it serves regular files inside the bundles directory: names outside the bundle-name grammar,
// `..`, absolute or backslashed paths, empty segments, symbolic links and special files are 404s.
//
// Like every /v1 route these sit behind device authentication (app.ts): only enrolled,
// non-revoked devices that sign the request can read them.
import { constants, createReadStream, type Stats } from 'node:fs';
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { ApiError } from '../../shared/errors';
import { METADATA_CAPS } from '../../shared/bundles/types';
import type { AppEnv } from '../http';

export const BUNDLE_NAME = /^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/;
/** One path segment: no separators, no control characters, not `.` or `..`. */
const SAFE_SEGMENT = /^[^/\\\0-\x1f\x7f]+$/;
const MAX_PATH_SEGMENTS = 32;
const MAX_SEGMENT_CHARS = 255;

export interface ServerBundleEntry {
  name: string;
  /** custom.bundle.version from the bundle's metadata/targets.json (unsigned advisory); null if unreadable. */
  version: string | null;
}

export interface BundlesListResponse {
  bundles: ServerBundleEntry[];
}

export interface BundlesDeps {
  /** Directory of bundles; absent: no bundles are served. */
  bundlesDir?: string | undefined;
}

function safeSegment(s: string): boolean {
  return s.length > 0 && s.length <= MAX_SEGMENT_CHARS && s !== '.' && s !== '..' && SAFE_SEGMENT.test(s);
}

const isNoEntry = (e: unknown): boolean => ['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG'].includes((e as NodeJS.ErrnoException).code ?? '');

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch (e) {
    if (isNoEntry(e)) return null;
    throw e;
  }
}

/**
 * Opens bundlesDir/<name>/<segments…> for reading when every component below bundlesDir is a real
 * directory (not a link) and the last one a regular file; null otherwise. The file itself is
 * opened with O_NOFOLLOW and re-checked on the open handle, so a link swapped in after the walk
 * is refused too.
 */
async function openBundleFile(bundlesDir: string, name: string, segments: readonly string[]): Promise<{ fh: FileHandle; size: number } | null> {
  if (!BUNDLE_NAME.test(name) || segments.length === 0 || segments.length > MAX_PATH_SEGMENTS || !segments.every(safeSegment)) return null;
  let p = join(bundlesDir, name);
  for (const seg of [null, ...segments.slice(0, -1)]) {
    if (seg !== null) p = join(p, seg);
    const st = await lstatOrNull(p);
    if (!st || st.isSymbolicLink() || !st.isDirectory()) return null;
  }
  p = join(p, segments[segments.length - 1] as string);
  const st = await lstatOrNull(p);
  if (!st || st.isSymbolicLink() || !st.isFile()) return null;
  let fh: FileHandle;
  try {
    fh = await open(p, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    if (isNoEntry(e)) return null;
    throw e;
  }
  try {
    const fst = await fh.stat();
    if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev) {
      await fh.close();
      return null;
    }
    return { fh, size: fst.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** The advisory version of one bundle: custom.bundle.version of its targets metadata, or null. */
async function advisoryVersion(bundlesDir: string, name: string): Promise<string | null> {
  const opened = await openBundleFile(bundlesDir, name, ['metadata', 'targets.json']).catch(() => null);
  if (!opened) return null;
  try {
    if (opened.size > METADATA_CAPS.targets) return null;
    const doc = JSON.parse((await opened.fh.readFile()).toString('utf8')) as { signed?: { custom?: { bundle?: { version?: unknown } } } };
    const v = doc.signed?.custom?.bundle?.version;
    return typeof v === 'string' && v.length <= 256 ? v : null;
  } catch {
    return null;
  } finally {
    await opened.fh.close();
  }
}

export async function listBundles(bundlesDir: string | undefined): Promise<ServerBundleEntry[]> {
  if (!bundlesDir) return [];
  let entries;
  try {
    entries = await readdir(bundlesDir, { withFileTypes: true });
  } catch (e) {
    if (isNoEntry(e)) return [];
    throw e;
  }
  const names = entries
    .filter((e) => e.isDirectory() && BUNDLE_NAME.test(e.name))
    .map((e) => e.name)
    .sort();
  return Promise.all(names.map(async (name) => ({ name, version: await advisoryVersion(bundlesDir, name) })));
}

function fileResponse(fh: FileHandle, size: number, contentType: string, headOnly: boolean): Response {
  const headers = {
    'content-type': contentType,
    'content-length': String(size),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  };
  if (size === 0 || headOnly) {
    void fh.close();
    return new Response(null, { status: 200, headers });
  }
  // Only the bytes that were there at open time: the Content-Length stays true if the file grows.
  const stream = createReadStream('', { fd: fh, start: 0, end: size - 1, autoClose: true });
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status: 200, headers });
}

export const BUNDLES_PATH = '/v1/bundles';

/**
 * The request path below BUNDLES_PATH as [name, area, ...segments], each raw segment
 * percent-decoded on its own (so an encoded `/` stays inside its segment and is refused later);
 * null when malformed.
 */
function bundlePath(rawUrl: string): string[] | null {
  const pathname = new URL(rawUrl).pathname;
  if (!pathname.startsWith(`${BUNDLES_PATH}/`)) return null;
  try {
    return pathname
      .slice(BUNDLES_PATH.length + 1)
      .split('/')
      .map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

async function serve(bundlesDir: string | undefined, rawUrl: string, method: string, area: 'metadata' | 'targets'): Promise<Response> {
  const parts = bundlePath(rawUrl);
  const [name, got, ...segments] = parts ?? [];
  const ok = bundlesDir && name !== undefined && got === area && (area === 'targets' || segments.length === 1);
  const opened = ok ? await openBundleFile(bundlesDir, name, [area, ...segments]) : null;
  if (!opened) throw new ApiError('NOT_FOUND', `No such bundle file: ${(name ?? '').slice(0, 80)}/${area}/…`, { reason: 'bundle_file' });
  return fileResponse(opened.fh, opened.size, area === 'metadata' ? 'application/json' : 'application/octet-stream', method === 'HEAD');
}

export function createBundlesRouter(deps: BundlesDeps): Hono<AppEnv> {
  const router = new Hono<AppEnv>();

  router.get('/', async (c) => {
    const res: BundlesListResponse = { bundles: await listBundles(deps.bundlesDir) };
    return c.json(res);
  });

  router.get('/:name/metadata/:file', (c) => serve(deps.bundlesDir, c.req.url, c.req.method, 'metadata'));
  router.get('/:name/targets/*', (c) => serve(deps.bundlesDir, c.req.url, c.req.method, 'targets'));

  return router;
}
