import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { ApiError } from '../../../shared/errors';
import { stripLocation, stripLocationStream } from './location-strip';
import { GPS_CANARY, gpsEntryCount, hasLatitude, jpegWithGps } from './test-jpeg';

async function throughStream(bytes: Buffer, pieces: number): Promise<Buffer> {
  const size = Math.ceil(bytes.length / pieces);
  const parts = Array.from({ length: pieces }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  const out: Buffer[] = [];
  for await (const c of Readable.from(parts).pipe(stripLocationStream())) out.push(c as Buffer);
  return Buffer.concat(out);
}

async function inPiecesOf(bytes: Buffer, size: number): Promise<Buffer> {
  return throughStream(bytes, Math.ceil(bytes.length / size));
}

const EXIF = Buffer.from('Exif\0\0', 'latin1');
const XMP_GPS = Buffer.from('<x:xmpmeta><rdf:Description exif:GPSLatitude="52,22.85N" exif:GPSLongitude="4,53.98E"/></x:xmpmeta>');

/** The TIFF of jpegWithGps: IFD0 Orientation = 6 and a GPS IFD with latitude and longitude rationals. */
function gpsTiff(): Buffer {
  const jpeg = jpegWithGps();
  const at = jpeg.indexOf(EXIF) + EXIF.length;
  return Buffer.from(jpeg.subarray(at, at + 200));
}

function hasLongitude(bytes: Buffer): boolean {
  const needle = Buffer.alloc(8);
  needle.writeUInt32BE(GPS_CANARY[5]!, 0);
  needle.writeUInt32BE(100, 4);
  return bytes.includes(needle);
}

/** No GPS left: neither rational, no GPS entries, no XMP GPS text; IFD0 Orientation (6) kept. */
function expectStripped(out: Buffer): void {
  expect(hasLatitude(out)).toBe(false);
  expect(hasLongitude(out)).toBe(false);
  expect(out.includes(Buffer.from('GPSLatitude'))).toBe(false);
  const tiff = out.indexOf(Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8])); // gpsTiff's header (MM, 42, IFD0 at 8)
  expect(tiff).toBeGreaterThan(0);
  expect(out.readUInt16BE(tiff + 38)).toBe(0); // GPS IFD entry count
  expect(out.readUInt16BE(tiff + 10)).toBe(0x0112);
  expect(out.readUInt16BE(tiff + 18)).toBe(6);
}

/** Every byte outside `ranges` ([start, end) in the file) is unchanged. */
function expectSameOutside(out: Buffer, input: Buffer, ranges: [number, number][]): void {
  expect(out.length).toBe(input.length);
  const mask = (b: Buffer) => {
    const c = Buffer.from(b);
    for (const [s, e] of ranges) c.fill(0, s, e);
    return c;
  };
  expect(mask(out).equals(mask(input))).toBe(true);
}

const u16 = (v: number) => Buffer.from([v >> 8, v & 255]);
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};
const box = (type: string, ...parts: Buffer[]) => Buffer.concat([u32(8 + parts.reduce((n, p) => n + p.length, 0)), Buffer.from(type, 'latin1'), ...parts]);
const fullBox = (type: string, version: number, ...parts: Buffer[]) => box(type, Buffer.from([version, 0, 0, 0]), ...parts);

function riffChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, Buffer.alloc(data.length & 1)]);
}

function webp(chunks: Buffer[]): Buffer {
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length + 4, 4);
  head.write('WEBP', 8, 'latin1');
  return Buffer.concat([head, body]);
}

/** A HEIF item: `where` it lives, and `split` cuts its data into extents (16 filler bytes between them). */
interface HeifItem {
  id: number;
  type: string;
  contentType?: string;
  data: Buffer;
  where: 'mdat' | 'idat';
  split?: number;
}

/** ftyp + meta(hdlr, iinf v0 of infe v2, iloc v1 4-byte offsets/lengths, idat?) + mdat; each item's file ranges. */
function heif(items: HeifItem[]): { file: Buffer; ranges: Map<number, [number, number][]> } {
  const ftyp = box('ftyp', Buffer.from('heic', 'latin1'), u32(0), Buffer.from('mif1heic', 'latin1'));
  const filler = Buffer.alloc(16, 0xab);
  const mdatParts: Buffer[] = [];
  const idatParts: Buffer[] = [];
  const local = new Map<number, [number, number][]>(); // offsets within mdat / idat payload
  for (const it of items) {
    const parts = it.where === 'mdat' ? mdatParts : idatParts;
    const pieces = it.split ? [it.data.subarray(0, it.split), it.data.subarray(it.split)] : [it.data];
    const ext: [number, number][] = [];
    pieces.forEach((p, i) => {
      if (i > 0) parts.push(filler);
      ext.push([parts.reduce((n, q) => n + q.length, 0), p.length]);
      parts.push(p);
    });
    local.set(it.id, ext);
  }
  const meta = (mdatData: number) => {
    const infes = items.map((it) =>
      fullBox(
        'infe',
        2,
        u16(it.id),
        u16(0),
        Buffer.from(it.type, 'latin1'),
        Buffer.from('\0'),
        it.contentType ? Buffer.from(`${it.contentType}\0`) : Buffer.alloc(0),
      ),
    );
    const locs = items.map((it) => {
      const ext = local.get(it.id)!;
      const base = it.where === 'mdat' ? mdatData : 0;
      return Buffer.concat([u16(it.id), u16(it.where === 'mdat' ? 0 : 1), u16(0), u16(ext.length), ...ext.flatMap(([o, l]) => [u32(base + o), u32(l)])]);
    });
    const hdlr = fullBox('hdlr', 0, u32(0), Buffer.from('pict', 'latin1'), Buffer.alloc(12), Buffer.from('\0'));
    const iinf = fullBox('iinf', 0, u16(items.length), ...infes);
    const iloc = fullBox('iloc', 1, Buffer.from([0x44, 0x00]), u16(items.length), ...locs);
    const idat = idatParts.length ? [box('idat', ...idatParts)] : [];
    const m = fullBox('meta', 0, hdlr, iinf, iloc, ...idat);
    return { m, idatData: ftyp.length + m.length - (idat[0]?.length ?? 0) + 8 };
  };
  const size = meta(0).m.length;
  const mdatData = ftyp.length + size + 8;
  const { m, idatData } = meta(mdatData);
  const file = Buffer.concat([ftyp, m, box('mdat', ...mdatParts)]);
  const ranges = new Map<number, [number, number][]>();
  for (const it of items) {
    const base = it.where === 'mdat' ? mdatData : idatData;
    ranges.set(
      it.id,
      local.get(it.id)!.map(([o, l]) => [base + o, base + o + l]),
    );
  }
  return { file, ranges };
}

const IMAGE = Buffer.from('hevc-image-tile-'.repeat(2000), 'latin1');
const exifItem = (tiff = gpsTiff()) => Buffer.concat([u32(6), EXIF, tiff]);
const XMP_MIME = 'application/rdf+xml';

function png(chunks: [string, Buffer][]): Buffer {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    sig,
    ...chunks.map(([type, data]) => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(data.length, 0);
      head.write(type, 4, 'latin1');
      return Buffer.concat([head, data, Buffer.from([1, 2, 3, 4])]);
    }),
  ]);
}

describe('location stripping', () => {
  it('empties the GPS IFD of a JPEG, keeps the orientation and the image data, same length', async () => {
    const body = Buffer.from('the-image-scan-bytes-'.repeat(5000));
    const jpeg = jpegWithGps(body);
    expect(gpsEntryCount(jpeg)).toBe(2);
    expect(hasLatitude(jpeg)).toBe(true);
    for (const pieces of [1, 3, 97, 1000]) {
      const out = await throughStream(jpeg, pieces);
      expect(out.length).toBe(jpeg.length);
      expect(gpsEntryCount(out)).toBe(0);
      expect(hasLatitude(out)).toBe(false);
      expect(out.includes(body)).toBe(true);
      // Orientation (IFD0 entry 0x0112 = 6) survives.
      const tiff = out.indexOf(Buffer.from('Exif\0\0', 'latin1')) + 6;
      expect(out.readUInt16BE(tiff + 10)).toBe(0x0112);
      expect(out.readUInt16BE(tiff + 18)).toBe(6);
    }
  });

  it('drops an XMP packet that names GPS, and a malformed Exif segment whole', async () => {
    const xmp = Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>52,22N</exif:GPSLatitude></x:xmpmeta>', 'latin1');
    const seg = Buffer.alloc(4);
    seg.writeUInt16BE(0xffe1, 0);
    seg.writeUInt16BE(xmp.length + 2, 2);
    const bad = Buffer.concat([Buffer.from('Exif\0\0XX', 'latin1'), Buffer.alloc(20, 9)]);
    const badSeg = Buffer.alloc(4);
    badSeg.writeUInt16BE(0xffe1, 0);
    badSeg.writeUInt16BE(bad.length + 2, 2);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), seg, xmp, badSeg, bad, Buffer.from([0xff, 0xda, 0, 2, 7, 7, 0xff, 0xd9])]);
    const out = await stripLocation(jpeg);
    expect(out.includes(Buffer.from('GPSLatitude'))).toBe(false);
    expect(out.includes(Buffer.from('Exif\0\0XX', 'latin1'))).toBe(false);
    expect(out).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2, 7, 7, 0xff, 0xd9]));
  });

  it('drops PNG eXIf chunks and keeps the rest byte for byte', async () => {
    const ihdr: [string, Buffer] = ['IHDR', Buffer.alloc(13, 1)];
    const idat: [string, Buffer] = ['IDAT', Buffer.alloc(100_000, 5)];
    const iend: [string, Buffer] = ['IEND', Buffer.alloc(0)];
    const withExif = png([ihdr, ['eXIf', jpegWithGps().subarray(10, 150)], idat, iend]);
    const out = await throughStream(withExif, 50);
    expect(out).toEqual(png([ihdr, idat, iend]));
  });

  it('passes anything else through unchanged', async () => {
    const other = Buffer.from('%PDF-1.7 not an image, GPS words and all');
    expect(await throughStream(other, 4)).toEqual(other);
    expect(await stripLocation(Buffer.from('abc'))).toEqual(Buffer.from('abc'));
  });

  it('WebP: empties the EXIF chunk GPS IFD and blanks GPS XMP, same length, other chunks byte for byte', async () => {
    const vp8x = riffChunk('VP8X', Buffer.from([0x0c, 0, 0, 0, 9, 0, 0, 9, 0, 0]));
    const vp8 = riffChunk('VP8 ', Buffer.alloc(10_001, 7)); // odd: a pad byte follows
    const exif = riffChunk('EXIF', Buffer.concat([EXIF, gpsTiff()]));
    const xmp = riffChunk('XMP ', XMP_GPS);
    const file = webp([vp8x, vp8, exif, xmp]);
    expect(hasLatitude(file) && hasLongitude(file) && file.includes(Buffer.from('GPSLatitude'))).toBe(true);
    const exifAt = 12 + vp8x.length + vp8.length + 8;
    const xmpAt = exifAt + exif.length;
    for (const size of [1, 7, 4096, file.length]) {
      const out = await inPiecesOf(file, size);
      expectStripped(out);
      expectSameOutside(out, file, [
        [exifAt, exifAt + 206],
        [xmpAt, xmpAt + XMP_GPS.length],
      ]);
      expect(out.subarray(xmpAt, xmpAt + XMP_GPS.length).equals(Buffer.alloc(XMP_GPS.length, 0x20))).toBe(true);
      expect(out.subarray(12 + vp8x.length, 12 + vp8x.length + vp8.length).equals(vp8)).toBe(true);
    }
  });

  it('WebP: a malformed EXIF chunk is zeroed, one cut short by the end of the file is blanked', async () => {
    const bad = Buffer.concat([Buffer.from('XX', 'latin1'), gpsTiff().subarray(2)]); // no byte order mark
    const vp8 = riffChunk('VP8 ', Buffer.alloc(300, 7));
    const file = webp([vp8, riffChunk('EXIF', bad)]);
    const out = await stripLocation(file);
    expect(out.length).toBe(file.length);
    expect(out.subarray(12 + vp8.length + 8).equals(Buffer.alloc(bad.length))).toBe(true);
    expect(out.subarray(0, 12 + vp8.length + 8).equals(file.subarray(0, 12 + vp8.length + 8))).toBe(true);
    const cut = webp([vp8, riffChunk('EXIF', Buffer.concat([EXIF, gpsTiff()]))]).subarray(0, 12 + vp8.length + 8 + 120);
    const outCut = await inPiecesOf(cut, 5);
    expect(outCut.length).toBe(cut.length);
    expect(hasLatitude(cut)).toBe(true);
    expect(hasLatitude(outCut)).toBe(false);
    expect(outCut.subarray(12 + vp8.length + 8).equals(Buffer.alloc(120))).toBe(true);
  });

  it('HEIC: Exif and XMP items in mdat (file offsets) scrubbed in place, image data untouched, any stream pieces', async () => {
    const { file, ranges } = heif([
      { id: 1, type: 'hvc1', data: IMAGE, where: 'mdat' },
      { id: 2, type: 'Exif', data: exifItem(), where: 'mdat' },
      { id: 3, type: 'mime', contentType: XMP_MIME, data: XMP_GPS, where: 'mdat' },
    ]);
    expect(hasLatitude(file) && hasLongitude(file) && file.includes(Buffer.from('GPSLatitude'))).toBe(true);
    const whole = await stripLocation(file);
    expectStripped(whole);
    expectSameOutside(whole, file, [...ranges.get(2)!, ...ranges.get(3)!]);
    const [xs, xe] = ranges.get(3)![0]!;
    expect(whole.subarray(xs, xe).equals(Buffer.alloc(XMP_GPS.length, 0x20))).toBe(true);
    const [is, ie] = ranges.get(1)![0]!;
    expect(whole.subarray(is, ie).equals(IMAGE)).toBe(true);
    for (const size of [1, 7, 1000]) expect((await inPiecesOf(file, size)).equals(whole)).toBe(true);
  });

  it('HEIC: an Exif item in idat (construction method 1) and one split over two extents', async () => {
    const inIdat = heif([
      { id: 1, type: 'hvc1', data: IMAGE, where: 'mdat' },
      { id: 7, type: 'Exif', data: exifItem(), where: 'idat' },
    ]);
    expect(hasLatitude(inIdat.file)).toBe(true);
    const out = await inPiecesOf(inIdat.file, 7);
    expectStripped(out);
    expectSameOutside(out, inIdat.file, inIdat.ranges.get(7)!);

    // Split at 100 bytes: the latitude rational straddles the two extents (16 filler bytes between them).
    const split = heif([
      { id: 1, type: 'hvc1', data: IMAGE, where: 'mdat' },
      { id: 2, type: 'Exif', data: exifItem(), where: 'mdat', split: 100 },
      { id: 3, type: 'mime', contentType: XMP_MIME, data: XMP_GPS, where: 'mdat', split: 40 },
    ]);
    const [[a0, a1], [b0, b1]] = split.ranges.get(2)! as [[number, number], [number, number]];
    expect(b0 - a1).toBe(16);
    expect(hasLongitude(split.file)).toBe(true);
    for (const size of [1, 7, 100_000]) {
      const o = await inPiecesOf(split.file, size);
      expectStripped(o);
      expectSameOutside(o, split.file, [...split.ranges.get(2)!, ...split.ranges.get(3)!]);
      expect(o.subarray(a1, b0).equals(Buffer.alloc(16, 0xab))).toBe(true); // the filler between extents
      const rejoined = Buffer.concat([o.subarray(a0, a1), o.subarray(b0, b1)]);
      expect(rejoined.readUInt16BE(4 + 6 + 38)).toBe(0); // GPS IFD count, read across the extents
      for (const [s, e] of split.ranges.get(3)!) expect(o.subarray(s, e).equals(Buffer.alloc(e - s, 0x20))).toBe(true);
    }
  });

  it('HEIC: a malformed Exif item is zeroed; an item cut off by the end of the file is blanked', async () => {
    const bad = heif([
      { id: 1, type: 'hvc1', data: IMAGE, where: 'mdat' },
      { id: 2, type: 'Exif', data: Buffer.concat([u32(6), EXIF, Buffer.from('XX'), gpsTiff().subarray(2)]), where: 'mdat' },
    ]);
    const out = await stripLocation(bad.file);
    const [s, e] = bad.ranges.get(2)![0]!;
    expect(out.subarray(s, e).equals(Buffer.alloc(e - s))).toBe(true);
    expectSameOutside(out, bad.file, [[s, e]]);

    const { file, ranges } = heif([
      { id: 1, type: 'hvc1', data: IMAGE, where: 'mdat' },
      { id: 2, type: 'Exif', data: exifItem(), where: 'mdat' },
    ]);
    const [es] = ranges.get(2)![0]!;
    const cut = file.subarray(0, es + 120); // ends inside the Exif item, after the latitude
    expect(hasLatitude(cut)).toBe(true);
    const outCut = await inPiecesOf(cut, 7);
    expect(outCut.length).toBe(cut.length);
    expect(hasLatitude(outCut)).toBe(false);
    expect(outCut.subarray(es).equals(Buffer.alloc(120))).toBe(true);
  });

  it('HEIC whose metadata cannot be read is refused with a VALIDATION_ERROR, nothing passed on', async () => {
    const { file } = heif([
      { id: 1, type: 'hvc1', data: IMAGE, where: 'mdat' },
      { id: 2, type: 'Exif', data: exifItem(), where: 'idat' },
    ]);
    const metaAt = file.indexOf(Buffer.from('meta', 'latin1')) - 4;
    const ilocAt = file.indexOf(Buffer.from('iloc', 'latin1')) - 4;
    const badVersion = Buffer.from(file);
    badVersion[ilocAt + 8] = 3; // iloc version 3
    const badSize = Buffer.from(file);
    badSize.writeUInt32BE(0xffff, ilocAt); // iloc runs past meta
    const truncated = file.subarray(0, metaAt + 60); // ends inside meta
    for (const broken of [badVersion, badSize, truncated]) {
      expect(hasLatitude(broken) || broken === truncated).toBe(true);
      const err = await stripLocation(broken).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe('VALIDATION_ERROR');
      expect((err as ApiError).message).toMatch(/metadata could not be read/);
      const out: Buffer[] = [];
      await expect(
        (async () => {
          for await (const c of Readable.from([broken.subarray(0, 50), broken.subarray(50)]).pipe(stripLocationStream())) out.push(c as Buffer);
        })(),
      ).rejects.toThrow(/location could not be removed/);
      expect(hasLatitude(Buffer.concat(out))).toBe(false);
    }
  });

  it('ISO BMFF that is not a HEIF image (an MP4 video) passes unchanged; mdat before a small meta still works', async () => {
    const mp4 = Buffer.concat([box('ftyp', Buffer.from('isom', 'latin1'), u32(0), Buffer.from('isomavc1', 'latin1')), box('mdat', IMAGE)]);
    expect((await inPiecesOf(mp4, 1000)).equals(mp4)).toBe(true);
    // mdat first (small, so it is held until meta): the Exif item inside it is still scrubbed.
    const { file } = heif([{ id: 2, type: 'Exif', data: exifItem(), where: 'mdat' }]);
    const ftypLen = file.readUInt32BE(0);
    const metaLen = file.readUInt32BE(ftypLen);
    const mdat = file.subarray(ftypLen + metaLen);
    const meta = Buffer.from(file.subarray(ftypLen, ftypLen + metaLen));
    const ilocOff = meta.indexOf(Buffer.from('iloc', 'latin1')) + 4 + 4 + 2 + 2 + 2 + 2 + 2 + 2; // version/flags, sizes, count, id, method, dref, extent count
    meta.writeUInt32BE(ftypLen + 8, ilocOff); // the Exif item now starts right after the mdat header
    const reordered = Buffer.concat([file.subarray(0, ftypLen), mdat, meta]);
    expect(hasLatitude(reordered)).toBe(true);
    const out = await inPiecesOf(reordered, 7);
    expectStripped(out);
    expectSameOutside(out, reordered, [[ftypLen + 8, ftypLen + mdat.length]]);
  });

  it('an EXIF/XMP chunk or item over 1 MiB is not held: it streams out blanked whole', async () => {
    const bigXmp = Buffer.concat([XMP_GPS, Buffer.alloc(1024 * 1024 + 1 - (XMP_GPS.length & 1), 0x41)]); // odd: a pad byte follows
    const vp8 = riffChunk('VP8 ', Buffer.alloc(300, 7));
    const file = webp([vp8, riffChunk('XMP ', bigXmp)]);
    const out = await inPiecesOf(file, 65_536);
    const at = 12 + vp8.length + 8;
    expectSameOutside(out, file, [[at, at + bigXmp.length]]);
    expect(out.subarray(at, at + bigXmp.length).equals(Buffer.alloc(bigXmp.length, 0x20))).toBe(true);
    expect(out[out.length - 1]).toBe(0);

    const bigExif = Buffer.concat([exifItem(), Buffer.alloc(1024 * 1024, 0x41)]);
    const { file: heic, ranges } = heif([
      { id: 1, type: 'hvc1', data: IMAGE, where: 'mdat' },
      { id: 2, type: 'Exif', data: bigExif, where: 'mdat' },
    ]);
    const outHeic = await inPiecesOf(heic, 65_536);
    const [s, e] = ranges.get(2)![0]!;
    expect(hasLatitude(heic)).toBe(true);
    expect(hasLatitude(outHeic)).toBe(false);
    expect(outHeic.subarray(s, e).equals(Buffer.alloc(e - s))).toBe(true);
    expectSameOutside(outHeic, heic, [[s, e]]);
  });
});
