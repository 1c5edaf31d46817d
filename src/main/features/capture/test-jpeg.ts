// Test fixture: a JPEG whose APP1 Exif segment carries a GPS IFD (latitude, longitude as rationals) and an
// orientation tag, hand-built big-endian TIFF, followed by `body` standing in for the image data.
export const GPS_CANARY = [52, 22, 5123, 4, 53, 9876]; // deg, min, sec*100 pairs, distinctive as u32s

export function jpegWithGps(body: Buffer = Buffer.from('scan-data-here', 'latin1')): Buffer {
  const tiff = Buffer.alloc(200);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // IFD0 at 8
  // IFD0: 2 entries: Orientation (0x0112 SHORT 1 = 6), GPS pointer (0x8825 LONG 1 = 38)
  tiff.writeUInt16BE(2, 8);
  tiff.writeUInt16BE(0x0112, 10);
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(6, 18);
  tiff.writeUInt16BE(0x8825, 22);
  tiff.writeUInt16BE(4, 24);
  tiff.writeUInt32BE(1, 26);
  tiff.writeUInt32BE(38, 30);
  tiff.writeUInt32BE(0, 34); // no IFD1
  // GPS IFD at 38: 2 entries: GPSLatitude (2, RATIONAL x3 at 68), GPSLongitude (4, RATIONAL x3 at 92)
  tiff.writeUInt16BE(2, 38);
  tiff.writeUInt16BE(2, 40);
  tiff.writeUInt16BE(5, 42);
  tiff.writeUInt32BE(3, 44);
  tiff.writeUInt32BE(68, 48);
  tiff.writeUInt16BE(4, 52);
  tiff.writeUInt16BE(5, 54);
  tiff.writeUInt32BE(3, 56);
  tiff.writeUInt32BE(92, 60);
  tiff.writeUInt32BE(0, 64);
  const lat = [GPS_CANARY[0]!, 1, GPS_CANARY[1]!, 1, GPS_CANARY[2]!, 100];
  const lon = [GPS_CANARY[3]!, 1, GPS_CANARY[4]!, 1, GPS_CANARY[5]!, 100];
  lat.forEach((v, i) => tiff.writeUInt32BE(v, 68 + i * 4));
  lon.forEach((v, i) => tiff.writeUInt32BE(v, 92 + i * 4));
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(payload.length + 2, 2);
  const sos = Buffer.from([0xff, 0xda, 0x00, 0x02]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, payload, sos, body, Buffer.from([0xff, 0xd9])]);
}

/** The GPS IFD's entry count in a JPEG built by jpegWithGps (0 once stripped). */
export function gpsEntryCount(jpeg: Buffer): number {
  const tiff = jpeg.indexOf(Buffer.from('Exif\0\0', 'latin1')) + 6;
  return jpeg.readUInt16BE(tiff + 38);
}

/** Whether the latitude rational (52/1) is still present. */
export function hasLatitude(jpeg: Buffer): boolean {
  const needle = Buffer.alloc(8);
  needle.writeUInt32BE(GPS_CANARY[2]!, 0);
  needle.writeUInt32BE(100, 4);
  return jpeg.includes(needle);
}
