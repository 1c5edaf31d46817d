// Location metadata stripped from photos as they are ingested (docs/decisions/0015-attachment-ingest.md).
// JPEG: the GPS IFD inside the APP1 "Exif" segment is emptied in place (its entries and the values they
// point at zeroed, its count set to 0: the segment keeps its length, orientation and the rest survive),
// and an APP1 XMP packet that mentions GPS is dropped; a malformed Exif segment is dropped whole. PNG: every
// eXIf chunk is dropped. Anything else passes unchanged. Streaming: only one JPEG segment (≤ 64 KiB) or one
// PNG chunk header is held at a time; the image data is passed through untouched.
import { Transform, type TransformCallback } from 'node:stream';

const JPEG_SOI = Buffer.from([0xff, 0xd8]);
const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EXIF_ID = Buffer.from('Exif\0\0', 'latin1');
const XMP_ID = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
const TYPE_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };
const GPS_IFD_TAG = 0x8825;

class BadExif extends Error {}

/** Empties the GPS IFD of a TIFF structure (the Exif payload after "Exif\0\0"), in place. */
export function scrubTiffGps(tiff: Buffer): boolean {
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') throw new BadExif('byte order');
  const le = order === 'II';
  const u16 = (o: number) => {
    if (o < 0 || o + 2 > tiff.length) throw new BadExif('out of range');
    return le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o);
  };
  const u32 = (o: number) => {
    if (o < 0 || o + 4 > tiff.length) throw new BadExif('out of range');
    return le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o);
  };
  const ifd0 = u32(4);
  const n0 = u16(ifd0);
  let gps = -1;
  for (let i = 0; i < n0; i++) if (u16(ifd0 + 2 + i * 12) === GPS_IFD_TAG) gps = u32(ifd0 + 2 + i * 12 + 8);
  if (gps < 0) return false;
  const n = u16(gps);
  if (gps + 2 + n * 12 + 4 > tiff.length) throw new BadExif('GPS IFD out of range');
  for (let i = 0; i < n; i++) {
    const e = gps + 2 + i * 12;
    const bytes = (TYPE_BYTES[u16(e + 2)] ?? 1) * u32(e + 4);
    if (bytes > 4) {
      const at = u32(e + 8);
      if (at + bytes > tiff.length) throw new BadExif('GPS value out of range');
      tiff.fill(0, at, at + bytes);
    }
  }
  tiff.fill(0, gps, gps + 2 + n * 12 + 4); // count 0, no entries, no next IFD
  return true;
}

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

type Mode = 'sniff' | 'jpeg' | 'png-head' | 'png-data' | 'pass';

/** A transform that strips location metadata (see the file comment); `keep` passes everything. */
export function stripLocationStream(): Transform {
  let mode: Mode = 'sniff';
  let buf: Buffer = Buffer.alloc(0);
  let pngLeft = 0;
  let pngDrop = false;
  const step = (t: Transform): boolean => {
    if (mode === 'sniff') {
      if (buf.length < 8) return false;
      if (buf.subarray(0, 2).equals(JPEG_SOI)) {
        t.push(buf.subarray(0, 2));
        buf = buf.subarray(2);
        mode = 'jpeg';
      } else if (buf.subarray(0, 8).equals(PNG_SIG)) {
        t.push(buf.subarray(0, 8));
        buf = buf.subarray(8);
        mode = 'png-head';
      } else mode = 'pass';
      return true;
    }
    if (mode === 'jpeg') return jpegStep(t);
    if (mode === 'png-head') {
      if (buf.length < 8) return false;
      const len = buf.readUInt32BE(0);
      pngDrop = buf.toString('latin1', 4, 8) === 'eXIf';
      if (!pngDrop) t.push(buf.subarray(0, 8));
      buf = buf.subarray(8);
      pngLeft = len + 4; // data and CRC
      mode = 'png-data';
      return true;
    }
    if (mode === 'png-data') {
      if (buf.length === 0) return false;
      const take = Math.min(pngLeft, buf.length);
      if (!pngDrop) t.push(buf.subarray(0, take));
      buf = buf.subarray(take);
      pngLeft -= take;
      if (pngLeft === 0) mode = 'png-head';
      return true;
    }
    if (buf.length) t.push(buf);
    buf = Buffer.alloc(0);
    return false;
  };
  const jpegStep = (t: Transform): boolean => {
    if (buf.length >= 1 && buf[0] === 0xff && buf[1] === 0xff) {
      t.push(buf.subarray(0, 1)); // fill byte
      buf = buf.subarray(1);
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
    if (out) t.push(out);
    return true;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (step(this));
      done();
    },
    flush(done: TransformCallback) {
      if (mode === 'png-data' && !pngDrop) this.push(buf);
      else if (mode !== 'png-data' && buf.length) this.push(buf);
      done();
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
