// Location metadata stripped from photos as they are ingested (docs/decisions/0018-attachment-ingest.md).
// JPEG: the GPS IFD inside the APP1 "Exif" segment is emptied in place (its entries and the values they
// point at zeroed, its count set to 0: the segment keeps its length, orientation and the rest survive),
// and an APP1 XMP packet that mentions GPS is dropped; a malformed Exif segment is dropped whole. PNG: every
// eXIf chunk is dropped. WebP (location-strip-webp.ts) and HEIC/HEIF/AVIF (location-strip-bmff.ts): the
// Exif GPS IFD emptied and GPS-bearing XMP blanked in place, at the same length; a HEIF/AVIF whose
// metadata cannot be read is refused (a VALIDATION_ERROR ApiError errors the stream). Anything else passes
// unchanged. Streaming: only one JPEG segment (≤ 64 KiB), one PNG chunk header, one WebP EXIF/XMP chunk or
// HEIF Exif/XMP item (≤ 1 MiB), or the HEIF boxes up to `meta` (≤ 4 MiB) are held at a time; the image
// data is passed through untouched.
import { Transform, type TransformCallback } from 'node:stream';
import { bmffStripper } from './location-strip-bmff';
import { scrubTiffGps, type Stripper } from './location-strip-tiff';
import { webpStripper } from './location-strip-webp';

const JPEG_SOI = Buffer.from([0xff, 0xd8]);
const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EXIF_ID = Buffer.from('Exif\0\0', 'latin1');
const XMP_ID = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');

/** One JPEG APP1 segment (marker and length included) → what to write instead (null: drop it). */
function scrubApp1(segment: Buffer): Buffer | null {
  const body = segment.subarray(4);
  if (body.subarray(0, EXIF_ID.length).equals(EXIF_ID)) {
    try {
      scrubTiffGps(body.subarray(EXIF_ID.length));
      return segment;
    } catch {
      return null; // unreadable Exif: keep none of it rather than risk a location
    }
  }
  if (body.subarray(0, XMP_ID.length).equals(XMP_ID) && /GPS/i.test(body.toString('latin1'))) return null;
  return segment;
}

/** JPEG from its first byte: the SOI, then one segment at a time until the scan, then everything as is. */
function jpegStripper(): Stripper {
  let buf: Buffer = Buffer.alloc(0);
  let mode: 'soi' | 'segments' | 'pass' = 'soi';
  const step = (emit: (b: Buffer) => void): boolean => {
    if (mode === 'pass' || buf.length < 2) {
      if (mode === 'pass' && buf.length) emit(buf);
      if (mode === 'pass') buf = Buffer.alloc(0);
      return false;
    }
    if (mode === 'soi' || (buf[0] === 0xff && buf[1] === 0xff)) {
      const n = mode === 'soi' ? 2 : 1; // the SOI, or a fill byte
      emit(buf.subarray(0, n));
      buf = buf.subarray(n);
      mode = 'segments';
      return true;
    }
    if (buf.length < 4) return false;
    const marker = buf[1]!;
    if (buf[0] !== 0xff || marker === 0xda || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      mode = 'pass'; // start of scan (or anything unexpected): the rest is image data
      return true;
    }
    const len = buf.readUInt16BE(2) + 2;
    if (buf.length < len) return false;
    const seg = Buffer.from(buf.subarray(0, len));
    buf = buf.subarray(len);
    const out = marker === 0xe1 ? scrubApp1(seg) : seg;
    if (out) emit(out);
    return true;
  };
  return {
    write(chunk, emit) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (step(emit));
    },
    end(emit) {
      if (buf.length) emit(buf);
    },
  };
}

/** PNG from its first byte: the signature, then each chunk, eXIf chunks dropped. */
function pngStripper(): Stripper {
  let buf: Buffer = Buffer.alloc(0);
  let mode: 'sig' | 'head' | 'data' = 'sig';
  let left = 0;
  let drop = false;
  const step = (emit: (b: Buffer) => void): boolean => {
    if (mode === 'sig' || mode === 'head') {
      if (buf.length < 8) return false;
      const len = buf.readUInt32BE(0);
      drop = mode === 'head' && buf.toString('latin1', 4, 8) === 'eXIf';
      if (!drop) emit(buf.subarray(0, 8));
      buf = buf.subarray(8);
      left = len + 4; // data and CRC
      mode = mode === 'sig' ? 'head' : 'data';
      return true;
    }
    if (buf.length === 0) return false;
    const take = Math.min(left, buf.length);
    if (!drop) emit(buf.subarray(0, take));
    buf = buf.subarray(take);
    left -= take;
    if (left === 0) mode = 'head';
    return true;
  };
  return {
    write(chunk, emit) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (step(emit));
    },
    end(emit) {
      if (buf.length && !(mode === 'data' && drop)) emit(buf);
    },
  };
}

/** The stripper for a file starting with `head` (at least 12 bytes, or the whole file). */
function sniff(head: Buffer): Stripper {
  if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return webpStripper();
  if (head.toString('latin1', 4, 8) === 'ftyp') return bmffStripper(); // HEIF/AVIF (MP4 and the like pass)
  if (head.length >= 8 && head.subarray(0, 2).equals(JPEG_SOI)) return jpegStripper();
  if (head.subarray(0, 8).equals(PNG_SIG)) return pngStripper();
  return { write: (chunk, emit) => emit(chunk), end: () => {} };
}

/** A transform that strips location metadata (see the file comment). A file that cannot be stripped
 *  errors the stream with the stripper's ApiError (the ingest refuses it). */
export function stripLocationStream(): Transform {
  let head: Buffer = Buffer.alloc(0);
  let s: Stripper | null = null;
  const run = (t: Transform, done: TransformCallback, f: (emit: (b: Buffer) => void) => void) => {
    try {
      f((b) => t.push(b));
    } catch (e) {
      return done(e as Error);
    }
    done();
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      run(this, done, (emit) => {
        if (s) return s.write(chunk, emit);
        head = head.length ? Buffer.concat([head, chunk]) : chunk;
        if (head.length < 12) return;
        s = sniff(head);
        s.write(head, emit);
      });
    },
    flush(done: TransformCallback) {
      run(this, done, (emit) => {
        if (!s) {
          s = sniff(head);
          if (head.length) s.write(head, emit);
        }
        s.end(emit);
      });
    },
  });
}

/** The same on a whole buffer (small files: `attachments.put`). */
export async function stripLocation(bytes: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  const t = stripLocationStream();
  t.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    t.on('end', resolve);
    t.on('error', reject);
  });
  t.end(bytes);
  await done;
  return Buffer.concat(out);
}
