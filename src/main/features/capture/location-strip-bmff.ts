// Location stripping for HEIC/HEIF/AVIF (ISO BMFF; location-strip.ts dispatches here on "....ftyp").
// Files whose brands name no HEIF/AVIF image (MP4/MOV videos) pass through unchanged. Otherwise the
// top-level boxes are held up to and including `meta` (4 MiB at most), `meta` is parsed (`iinf` for the
// 'Exif' items and the XMP items, i.e. 'mime' items of type application/rdf+xml; `iloc` for their extents,
// in the file or — construction method 1 — in `idat`), and the rest streams through with a running offset.
// The bytes of an item (from its first extent to its last, 1 MiB at most) are held as they pass: an Exif
// item (a u32 offset to the TIFF header, then usually "Exif\0\0" and the TIFF) has its GPS IFD emptied in
// place (malformed: the whole item zeroed); an XMP item mentioning GPS becomes spaces. The extents of an
// item are concatenated for this and written back to each. An item spanning more than 1 MiB, or running
// to the end of the file, is not held: its bytes stream out blanked. Lengths never change, so no box size or
// iloc offset does. An item cut short by the end of the file is blanked as far as it goes.
// A file that claims to be a HEIF/AVIF image but whose metadata cannot be read — bad box sizes, `meta`
// truncated or beyond the first 4 MiB, an iloc version, construction method or data reference this code
// does not handle — is refused with a VALIDATION_ERROR: nothing of it is stored, so no location leaks.
import { ApiError } from '../../../shared/errors';
import { scrubExifPayload, scrubXmp, type Stripper } from './location-strip-tiff';

const HEAD_CAP = 4 * 1024 * 1024;
const HOLD_CAP = 1024 * 1024;
const IMAGE_BRANDS = new Set(['mif1', 'mif2', 'msf1', 'heic', 'heix', 'heif', 'avif', 'avis']);

type Kind = 'exif' | 'xmp';
interface Extent {
  start: number;
  end: number; // Infinity: to the end of the file
}
interface Item {
  kind: Kind;
  extents: Extent[];
}
interface Window {
  start: number;
  end: number;
  items: Item[];
  hold: boolean;
}
interface Box {
  type: string;
  start: number;
  hdr: number;
  end: number;
}

class BadBmff extends Error {}

function refuse(why: string): ApiError {
  return new ApiError(
    'VALIDATION_ERROR',
    `This HEIC/HEIF/AVIF photo's metadata could not be read (${why}), so its location could not be removed; it was not stored. Convert it to JPEG and attach it again.`,
    { reason: 'location_unreadable', why },
  );
}

function num64(b: Buffer, at: number): number {
  const v = b.readBigUInt64BE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new BadBmff('64-bit value too large');
  return Number(v);
}

/** The box at `at`, which must end by `limit` (size 0: it runs to `limit`). */
function boxAt(b: Buffer, at: number, limit: number): Box {
  if (at + 8 > limit) throw new BadBmff('box header past its parent');
  let size = b.readUInt32BE(at);
  const type = b.toString('latin1', at + 4, at + 8);
  let hdr = 8;
  if (size === 1) {
    if (at + 16 > limit) throw new BadBmff('box header past its parent');
    size = num64(b, at + 8);
    hdr = 16;
  } else if (size === 0) size = limit - at;
  if (size < hdr || at + size > limit) throw new BadBmff(`${type} box size`);
  return { type, start: at, hdr, end: at + size };
}

function children(b: Buffer, from: number, to: number): Box[] {
  const out: Box[] = [];
  for (let at = from; at < to; at = out[out.length - 1]!.end) out.push(boxAt(b, at, to));
  return out;
}

/** A bounds-checked reader over b[pos, end). */
function cursor(b: Buffer, pos: number, end: number) {
  const take = (n: number) => {
    if (pos + n > end) throw new BadBmff('field past its box');
    pos += n;
    return pos - n;
  };
  const uint = (n: number): number => {
    if (n === 0) return 0;
    if (n === 4) return b.readUInt32BE(take(4));
    if (n === 8) return num64(b, take(8));
    throw new BadBmff(`field size ${n}`);
  };
  const str = (): string => {
    const z = b.indexOf(0, pos);
    const stop = z < 0 || z >= end ? end : z; // a last string may lack its terminator
    const s = b.toString('utf8', pos, stop);
    pos = Math.min(stop + 1, end);
    return s;
  };
  const u8 = () => b[take(1)]!;
  const u16 = () => b.readUInt16BE(take(2));
  const fullBox = () => [u8(), u8(), u16()][0]!; // version, then flags
  return { uint, str, u8, u16, fullBox, u32: () => uint(4), at: () => pos, fourcc: () => b.toString('latin1', take(4), pos) };
}

/** item_ID → kind for the Exif and XMP items named in `iinf`. */
function parseIinf(b: Buffer, box: Box): Map<number, Kind> {
  const r = cursor(b, box.start + box.hdr, box.end);
  if (r.fullBox() === 0) r.u16();
  else r.u32(); // entry_count: the infe boxes follow
  const kinds = new Map<number, Kind>();
  for (const e of children(b, r.at(), box.end)) {
    if (e.type !== 'infe') continue;
    const f = cursor(b, e.start + e.hdr, e.end);
    const ver = f.fullBox();
    const id = ver === 3 ? f.u32() : f.u16();
    f.u16(); // item_protection_index
    const type = ver >= 2 ? f.fourcc() : 'mime';
    if (type === 'Exif') kinds.set(id, 'exif');
    if (type !== 'mime') continue;
    f.str(); // item_name
    if (f.str().split(';')[0]!.trim().toLowerCase() === 'application/rdf+xml') kinds.set(id, 'xmp');
  }
  return kinds;
}

/** The extents of the items of `kinds`, as absolute file ranges. */
function parseIloc(b: Buffer, box: Box, kinds: Map<number, Kind>, idat: Extent | null): Item[] {
  const r = cursor(b, box.start + box.hdr, box.end);
  const v = r.fullBox();
  if (v > 2) throw new BadBmff(`iloc version ${v}`);
  const [s1, s2] = [r.u8(), r.u8()];
  const [offSize, lenSize, baseSize, idxSize] = [s1 >> 4, s1 & 15, s2 >> 4, v > 0 ? s2 & 15 : 0];
  const count = v < 2 ? r.u16() : r.u32();
  const items: Item[] = [];
  for (let i = 0; i < count; i++) {
    const id = v < 2 ? r.u16() : r.u32();
    const method = v > 0 ? r.u16() & 15 : 0;
    const dref = r.u16();
    const base = r.uint(baseSize);
    const raw: [number, number][] = [];
    for (let j = r.u16(); j > 0; j--) {
      r.uint(idxSize);
      raw.push([base + r.uint(offSize), r.uint(lenSize)]);
    }
    const kind = kinds.get(id);
    if (!kind) continue;
    if (dref !== 0) throw new BadBmff('item data in another file');
    if (method > 1) throw new BadBmff(`construction method ${method}`);
    const extents = raw.map(([off, len]) => place(method, off, len, idat)).filter((e) => e.end > e.start);
    items.push({ kind, extents });
  }
  return items;
}

function place(method: number, off: number, len: number, idat: Extent | null): Extent {
  if (!Number.isSafeInteger(off + len)) throw new BadBmff('extent too large');
  if (method === 0) return { start: off, end: len === 0 ? Infinity : off + len };
  if (!idat) throw new BadBmff('construction method 1 without idat');
  const e = { start: idat.start + off, end: len === 0 ? idat.end : idat.start + off + len };
  if (e.end > idat.end) throw new BadBmff('extent past idat');
  return e;
}

/** The Exif and XMP items located by a whole `meta` box found at file offset `at`. */
function parseMeta(meta: Buffer, at: number): Item[] {
  const top = boxAt(meta, 0, meta.length);
  const kids = children(meta, top.hdr + 4, top.end);
  const find = (t: string) => kids.find((k) => k.type === t);
  const [iinf, iloc, idat] = [find('iinf'), find('iloc'), find('idat')];
  const kinds = iinf ? parseIinf(meta, iinf) : new Map<number, Kind>();
  if (kinds.size === 0) return [];
  if (!iloc) throw new BadBmff('items without iloc');
  return parseIloc(meta, iloc, kinds, idat ? { start: at + idat.start + idat.hdr, end: at + idat.end } : null);
}

/** Items grouped into disjoint file ranges, in file order; a range is held if it is small and bounded. */
function windowsOf(items: Item[]): Window[] {
  const spans = items
    .filter((i) => i.extents.length > 0)
    .map((i) => ({ start: Math.min(...i.extents.map((e) => e.start)), end: Math.max(...i.extents.map((e) => e.end)), items: [i], hold: false }))
    .sort((a, b) => a.start - b.start);
  const out: Window[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) {
      last.end = Math.max(last.end, s.end);
      last.items.push(...s.items);
    } else out.push(s);
  }
  for (const w of out) w.hold = w.end - w.start <= HOLD_CAP;
  return out;
}

/** A copy of `piece` (file offset `at`) with every item byte in it blanked. */
function blanked(w: Window, piece: Buffer, at: number): Buffer {
  const out = Buffer.from(piece);
  for (const item of w.items)
    for (const e of item.extents) {
      const from = Math.max(e.start, at) - at;
      const to = Math.min(e.end, at + piece.length) - at;
      if (from < to) out.fill(item.kind === 'exif' ? 0 : 0x20, from, to);
    }
  return out;
}

/** A whole held window (a fresh buffer): each item's extents concatenated, scrubbed and written back. */
function scrubbed(w: Window, buf: Buffer): Buffer {
  for (const item of w.items) {
    const slices = item.extents.map((e) => buf.subarray(e.start - w.start, e.end - w.start));
    const whole = Buffer.concat(slices);
    if (item.kind === 'xmp') scrubXmp(whole);
    else if (whole.length < 4) whole.fill(0);
    else scrubExifPayload(whole, 4 + whole.readUInt32BE(0));
    let at = 0;
    for (const s of slices) at += whole.copy(s, 0, at, at + s.length);
  }
  return buf;
}

/** Streams the file from offset 0, holding or blanking each window as it passes. */
function bodyPass(windows: Window[]): Stripper {
  let pos = 0;
  let wi = 0;
  let held: Buffer[] = [];
  return {
    write(chunk, emit) {
      for (let i = 0; i < chunk.length;) {
        const w = windows[wi];
        const n = Math.min(chunk.length - i, w ? (pos < w.start ? w.start : w.end) - pos : Infinity);
        const piece = chunk.subarray(i, i + n);
        if (!w || pos < w.start) emit(piece);
        else if (!w.hold) emit(blanked(w, piece, pos));
        else held.push(piece);
        i += n;
        pos += n;
        if (w && pos === w.end) {
          if (w.hold) emit(scrubbed(w, Buffer.concat(held)));
          held = [];
          wi++;
        }
      }
    },
    end(emit) {
      const w = windows[wi];
      if (w && held.length) emit(blanked(w, Buffer.concat(held), w.start));
    },
  };
}

/** The HEIF/AVIF stripper: holds the head boxes until `meta` is whole, then streams (see the file comment). */
export function bmffStripper(): Stripper {
  const parts: Buffer[] = [];
  let heldBytes = 0;
  let need = 8; // bytes to hold before looking again
  let scan = 0; // next top-level box to look at (0: ftyp)
  let metaPending = false;
  let body: Stripper | null = null;
  const look = (head: Buffer): Stripper | null => {
    if (scan === 0) {
      const size = head.readUInt32BE(0);
      if (size < 16 || size > 4096) throw refuse('ftyp box size');
      if (head.length < size) return ((need = size), null);
      const brands = [8, ...Array.from({ length: (size - 16) >> 2 }, (_, i) => 16 + i * 4)].map((o) => head.toString('latin1', o, o + 4));
      if (!brands.some((b) => IMAGE_BRANDS.has(b))) return bodyPass([]); // not a HEIF image: unchanged
      scan = size;
    }
    for (;;) {
      if (scan + 16 > HEAD_CAP) throw refuse('no metadata box in the first 4 MiB');
      if (head.length < scan + 16) return ((need = scan + 16), null);
      const size32 = head.readUInt32BE(scan);
      const type = head.toString('latin1', scan + 4, scan + 8);
      if (size32 === 0) {
        if (type === 'meta') throw refuse('open-ended meta box');
        return bodyPass([]); // the last box of the file, and no meta before it: no items
      }
      const size = size32 === 1 ? num64(head, scan + 8) : size32;
      if (size < (size32 === 1 ? 16 : 8)) throw refuse(`${type} box size`);
      if (type !== 'meta') {
        scan += size;
        continue;
      }
      metaPending = true;
      if (scan + size > HEAD_CAP) throw refuse('metadata box past the first 4 MiB');
      if (head.length < scan + size) return ((need = scan + size), null);
      try {
        return bodyPass(windowsOf(parseMeta(head.subarray(scan, scan + size), scan)));
      } catch (e) {
        if (e instanceof BadBmff) throw refuse(e.message);
        throw e;
      }
    }
  };
  return {
    write(chunk, emit) {
      if (body) return body.write(chunk, emit);
      parts.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes < need) return;
      const head = Buffer.concat(parts);
      parts.splice(0, parts.length, head);
      body = look(head);
      if (body) body.write(head, emit);
    },
    end(emit) {
      if (body) return body.end(emit);
      if (metaPending) throw refuse('the file ends inside its metadata box');
      for (const p of parts) emit(p); // ended before any meta box: no items, nothing to strip
    },
  };
}
