// Sending a picked, dropped or pasted file to the main process in chunks (attachments.upload.*), with
// progress (bytes, speed, ETA), cancel, and a resume after a reload (the same file gets the same
// resumeKey, so begin answers the chunk it still wants). Nothing holds the whole file: each chunk is read
// from the File, digested (SHA-256, WebCrypto) and sent. Thumbnails are drawn here, from the file itself.
import { call } from '../../api/client';
import { i18next } from '../../i18n';

export interface IngestProgress {
  sent: number;
  total: number;
  /** Bytes per second over this attempt (0 until measurable). */
  speed: number;
  /** Seconds left at that speed (null until measurable). */
  etaSeconds: number | null;
}

/** What a form field passes along with a file: where it goes, and how to report and stop. */
export interface UploadOptions {
  /** The data path of the field (its contract annotations apply). */
  path?: string;
  onProgress?(p: IngestProgress): void;
  signal?: AbortSignal;
}

export interface IngestOptions {
  contract?: string;
  field?: string;
  maxBytes: number;
  onProgress?(p: IngestProgress): void;
  signal?: AbortSignal;
}

const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;

/** Why a file cannot be attached here, in plain words (null: it can). */
export function sizeProblem(file: File, maxBytes: number): string | null {
  const named = { hasName: file.name ? 'yes' : 'no', name: file.name };
  if (file.size === 0) return i18next.t('capture:upload.empty', named);
  if (file.size > maxBytes) return i18next.t('capture:upload.tooBig', { ...named, size: mib(file.size), max: mib(maxBytes) });
  return null;
}

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');

function base64Of(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const url = String(r.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    r.onerror = () => reject(r.error ?? new Error(i18next.t('capture:upload.unreadable')));
    r.readAsDataURL(blob);
  });
}

async function resumeKeyOf(file: File, field: string): Promise<string> {
  const id = new TextEncoder().encode(`${file.name}\n${file.size}\n${file.lastModified}\n${file.type}\n${field}`);
  return hex(await crypto.subtle.digest('SHA-256', id)).slice(0, 40);
}

const mimeOf = (file: File) => (/^[a-z]+\/[a-z0-9.+-]+$/.test(file.type) ? file.type : 'application/octet-stream');

class Cancelled extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'AbortError';
  }
}

/** Store `file` as an attachment; resolves to its `sha256:` reference. */
export async function ingestFile(file: File, o: IngestOptions): Promise<string> {
  const problem = sizeProblem(file, o.maxBytes);
  if (problem) throw new Error(problem);
  const field = o.field ?? '';
  const begun = await call('attachments.upload.begin', {
    name: (file.name || 'file').slice(0, 200),
    mime: mimeOf(file),
    size: file.size,
    resumeKey: await resumeKeyOf(file, field),
    ...(o.contract ? { contract: o.contract, field } : {}),
  });
  const { id, chunkBytes } = begun;
  const digests: Uint8Array[] = [];
  const startedAt = performance.now();
  const resumedAt = begun.received;
  const report = (sent: number) => {
    const secs = (performance.now() - startedAt) / 1000;
    const speed = secs > 0.2 ? (sent - resumedAt) / secs : 0;
    o.onProgress?.({ sent, total: file.size, speed, etaSeconds: speed > 0 ? (file.size - sent) / speed : null });
  };
  report(begun.received);
  try {
    for (let i = 0; i * chunkBytes < file.size; i++) {
      if (o.signal?.aborted) throw new Cancelled();
      const slice = file.slice(i * chunkBytes, Math.min(file.size, (i + 1) * chunkBytes));
      const digest = await crypto.subtle.digest('SHA-256', await slice.arrayBuffer());
      digests.push(new Uint8Array(digest));
      if (i < begun.nextIndex) continue; // staged before a reload: only its digest is needed
      const state = await call('attachments.upload.chunk', { id, index: i, sha256: hex(digest), dataBase64: await base64Of(slice) });
      report(state.received);
    }
    const all = new Uint8Array(digests.length * 32);
    digests.forEach((d, i) => all.set(d, i * 32));
    const done = await call('attachments.upload.finish', { id, sha256: hex(await crypto.subtle.digest('SHA-256', all)) });
    return done.ref;
  } catch (e) {
    if (o.signal?.aborted) {
      await call('attachments.upload.abort', { id }).catch(() => undefined);
      throw new Cancelled();
    }
    throw e;
  }
}

export const isCancel = (e: unknown): boolean => e instanceof Error && e.name === 'AbortError';

/** A small JPEG data: URL of an image file (the CSP allows data:, not blob:), or undefined if it is not one. */
export async function thumbnailOf(file: File, edge = 264): Promise<string | undefined> {
  if (!file.type.startsWith('image/')) return undefined;
  try {
    const bmp = await createImageBitmap(file);
    const scale = Math.min(1, edge / Math.max(bmp.width, bmp.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bmp.width * scale));
    canvas.height = Math.max(1, Math.round(bmp.height * scale));
    canvas.getContext('2d')?.drawImage(bmp, 0, 0, canvas.width, canvas.height);
    bmp.close();
    return canvas.toDataURL('image/jpeg', 0.8);
  } catch {
    return undefined;
  }
}
