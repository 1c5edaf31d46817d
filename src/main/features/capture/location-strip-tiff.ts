// Shared pieces of location stripping (location-strip.ts): the TIFF GPS scrub used by every format that
// carries Exif, and the shape of a per-format stream stripper.
const TYPE_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };
const GPS_IFD_TAG = 0x8825;
const EXIF_ID = Buffer.from('Exif\0\0', 'latin1');

/** A malformed TIFF structure: the caller blanks the whole Exif payload rather than risk a location. */
export class BadExif extends Error {}

/** A format's stripper once the dispatcher has recognised it: `write` each piece in order, then `end`. */
export interface Stripper {
  write(chunk: Buffer, emit: (b: Buffer) => void): void;
  end(emit: (b: Buffer) => void): void;
}

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

/** Scrubs the TIFF found at `tiffAt` of an Exif payload in place; a malformed one zeroes the whole payload. */
export function scrubExifPayload(payload: Buffer, tiffAt: number): void {
  try {
    if (tiffAt > payload.length) throw new BadExif('TIFF header past the payload');
    scrubTiffGps(payload.subarray(tiffAt));
  } catch {
    payload.fill(0);
  }
}

/** Where the TIFF header starts in an Exif payload that may begin with "Exif\0\0" (WebP). */
export function tiffStart(payload: Buffer): number {
  return payload.subarray(0, EXIF_ID.length).equals(EXIF_ID) ? EXIF_ID.length : 0;
}

/** An XMP packet that names GPS anywhere is blanked with spaces, in place (same length). */
export function scrubXmp(payload: Buffer): void {
  if (/GPS/i.test(payload.toString('latin1'))) payload.fill(0x20);
}
