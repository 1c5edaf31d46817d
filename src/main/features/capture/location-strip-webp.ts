// Location stripping for WebP (location-strip.ts dispatches here on "RIFF....WEBP"). The RIFF chunks are
// walked as they stream: an `EXIF` chunk (a TIFF structure, perhaps after "Exif\0\0") is held, its GPS IFD
// emptied in place (a malformed TIFF: the whole payload zeroed), and written back at the same length; an
// `XMP ` chunk that mentions GPS becomes spaces of the same length. Lengths never change, so the RIFF size
// already written stays right. Either chunk over 1 MiB is not held: its payload streams out blanked. A file
// cut inside one of them has the part held blanked too. Everything else passes through untouched.
import { scrubExifPayload, scrubXmp, tiffStart, type Stripper } from './location-strip-tiff';

const HOLD_CAP = 1024 * 1024;

type State = 'head' | 'chunk-head' | 'hold' | 'stream';

/** The WebP stripper: holds at most one chunk header or one EXIF/XMP chunk (≤ 1 MiB + pad). */
export function webpStripper(): Stripper {
  let buf: Buffer = Buffer.alloc(0);
  let state: State = 'head';
  let kind: 'exif' | 'xmp' | null = null;
  let size = 0; // payload bytes of the current chunk
  let total = 0; // payload and pad byte
  let done = 0; // bytes of the current chunk already written (stream)
  const blankByte = () => (kind === 'exif' ? 0 : 0x20);
  const step = (emit: (b: Buffer) => void): boolean => {
    if (state === 'head' || state === 'chunk-head') {
      const n = state === 'head' ? 12 : 8;
      if (buf.length < n) return false;
      emit(buf.subarray(0, n));
      if (state === 'chunk-head') {
        const type = buf.toString('latin1', 0, 4);
        kind = type === 'EXIF' ? 'exif' : type === 'XMP ' ? 'xmp' : null;
        size = buf.readUInt32LE(4);
        total = size + (size & 1);
        done = 0;
        state = total === 0 ? 'chunk-head' : kind && total <= HOLD_CAP ? 'hold' : 'stream';
      } else state = 'chunk-head';
      buf = buf.subarray(n);
      return true;
    }
    if (state === 'hold') {
      if (buf.length < total) return false;
      const chunk = Buffer.from(buf.subarray(0, total));
      const payload = chunk.subarray(0, size);
      if (kind === 'exif') scrubExifPayload(payload, tiffStart(payload));
      else scrubXmp(payload);
      emit(chunk);
      buf = buf.subarray(total);
      state = 'chunk-head';
      return true;
    }
    if (buf.length === 0) return false;
    const n = Math.min(total - done, buf.length);
    if (kind) {
      const out = Buffer.alloc(n, blankByte()); // too large to hold: blanked whole
      if (size & 1 && done + n === total) out[n - 1] = 0; // the pad byte
      emit(out);
    } else emit(buf.subarray(0, n));
    buf = buf.subarray(n);
    done += n;
    if (done === total) state = 'chunk-head';
    return true;
  };
  return {
    write(chunk, emit) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (step(emit));
    },
    end(emit) {
      if (state === 'hold' && buf.length)
        emit(Buffer.alloc(buf.length, blankByte())); // cut short: blank what came
      else if (buf.length) emit(buf); // part of a chunk header
    },
  };
}
