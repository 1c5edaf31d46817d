import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { stripLocation, stripLocationStream } from './location-strip';
import { gpsEntryCount, hasLatitude, jpegWithGps } from './test-jpeg';

async function throughStream(bytes: Buffer, pieces: number): Promise<Buffer> {
  const size = Math.ceil(bytes.length / pieces);
  const parts = Array.from({ length: pieces }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  const out: Buffer[] = [];
  for await (const c of Readable.from(parts).pipe(stripLocationStream())) out.push(c as Buffer);
  return Buffer.concat(out);
}

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
});
