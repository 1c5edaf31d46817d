// The binary codes of one vector index held in memory, and the Hamming scan over them (decision 0045).
//
// A code is a vector's sign bits (bit d set when component d > 0; byte d/8, bit d%8 from the least
// significant: sqlite-vec's vec_quantize_binary, which writes the codes vec0 stores). A query scans
// every code with the WebAssembly kernel of hamming.wat (xor + i8x16.popcnt, 16 bytes at a time):
// ~0.5 ms per 100k codes of 384 bits on this project's 2-core machine, against ~7 ms for vec0's scan
// of the same codes and ~2.5 ms for the same loop in plain JavaScript. The scan writes every distance
// and a histogram of them, so "the m nearest within radius r" is one pass over the histogram (the
// threshold) and one over the distances.
//
// WebAssembly memory layout (one memory per index, grown as codes are appended; the codes never move):
//   [0, 1024)            the query code (up to 8,192 bits)
//   [1024, 33796)        the histogram: u32 per distance 0..8192
//   [65536, +cap·stride) the codes, `stride` bytes each (bytes rounded up to 16, zero padding)
//   then cap × u16       the distances of the last scan
// Beside it, per code: seq, tier number, language code and creation time (ms), for the filters.
import { HAMMING_WASM_BASE64 } from './hamming-wasm';

const PAGE = 65_536;
const Q_OFF = 0;
const HIST_OFF = 1024;
const CODES_OFF = PAGE;
/** Most bits a code may have (the query area and the histogram are sized for it). */
export const MAX_BITS = 8192;

// The part of the WebAssembly JS API used here (the Node config's libs have no WebAssembly types).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

let compiled: object | null = null;

type ScanFn = (q: number, codes: number, n: number, stride: number, out: number, hist: number) => void;

/** Filters checked per code during selection (null: no filter). */
export interface CodeFilter {
  /** accept[tierNo] === 1 for the tiers wanted. */
  tiers: Uint8Array | null;
  lang: number | null;
  /** Creation time bounds in ms since the epoch, inclusive. */
  from: number | null;
  to: number | null;
}

export class BinaryCodes {
  readonly bytes: number;
  readonly stride: number;
  private n = 0;
  private cap = 0;
  private seqs = new Float64Array(0);
  private tiers = new Uint8Array(0);
  private langs = new Int32Array(0);
  private created = new Float64Array(0);
  private readonly memory: WasmMemory;
  private readonly scanFn: ScanFn;
  private u8: Uint8Array;

  constructor(readonly bits: number) {
    if (!Number.isInteger(bits) || bits < 8 || bits % 8 !== 0 || bits > MAX_BITS) throw new Error(`a binary code of ${bits} bits is not supported`);
    this.bytes = bits / 8;
    this.stride = Math.ceil(this.bytes / 16) * 16;
    compiled ??= new WebAssembly.Module(Buffer.from(HAMMING_WASM_BASE64, 'base64'));
    const inst = new WebAssembly.Instance(compiled, {});
    this.memory = inst.exports.memory as WasmMemory;
    this.scanFn = inst.exports.scan as ScanFn;
    this.u8 = new Uint8Array(this.memory.buffer);
  }

  get size(): number {
    return this.n;
  }

  /** Append a code as stored by vec0 (`bytes` bytes). */
  appendCode(seq: number, tier: number, lang: number, created: number, code: Uint8Array): void {
    if (code.length !== this.bytes) throw new Error(`a code of ${code.length} bytes, the index has ${this.bytes}`);
    const at = this.slot(seq, tier, lang, created);
    this.u8.set(code, at);
  }

  /** Append the code of a float vector (quantised here, as vec_quantize_binary does). */
  appendVector(seq: number, tier: number, lang: number, created: number, v: Float32Array): void {
    if (v.length !== this.bits) throw new Error(`a vector of ${v.length} dimensions, the index has ${this.bits}`);
    this.quantizeInto(v, this.slot(seq, tier, lang, created));
  }

  /** Remove every code of these seqs (the rest keep their order). */
  drop(seqs: ReadonlySet<number>): void {
    let w = 0;
    for (let i = 0; i < this.n; i++) {
      if (seqs.has(this.seqs[i]!)) continue;
      if (w !== i) {
        this.seqs[w] = this.seqs[i]!;
        this.tiers[w] = this.tiers[i]!;
        this.langs[w] = this.langs[i]!;
        this.created[w] = this.created[i]!;
        this.u8.copyWithin(CODES_OFF + w * this.stride, CODES_OFF + i * this.stride, CODES_OFF + (i + 1) * this.stride);
      }
      w++;
    }
    this.n = w;
  }

  /**
   * Distances of the query vector to every code, then selection (see CodeScan). The result reads the
   * WebAssembly memory: use it before the next append or scan.
   */
  scan(q: Float32Array, f: CodeFilter): CodeScan {
    if (q.length !== this.bits) throw new Error(`a query of ${q.length} dimensions, the index has ${this.bits}`);
    this.quantizeInto(q, Q_OFF);
    const hist = new Int32Array(this.memory.buffer, HIST_OFF, this.bits + 1);
    hist.fill(0);
    const distOff = CODES_OFF + this.cap * this.stride;
    this.scanFn(Q_OFF, CODES_OFF, this.n, this.stride, distOff, HIST_OFF);
    const dist = new Uint16Array(this.memory.buffer, distOff, this.n);
    const filtered = f.tiers !== null || f.lang !== null || f.from !== null || f.to !== null;
    if (!filtered) return new CodeScan(this.seqs, dist, hist, null);
    // The histogram of the codes that pass the filters, and which those are.
    const pass = new Uint8Array(this.n);
    const h = new Int32Array(this.bits + 1);
    const { tiers, langs, created } = this;
    for (let i = 0; i < this.n; i++) {
      if (f.tiers !== null && f.tiers[tiers[i]!] !== 1) continue;
      if (f.lang !== null && langs[i] !== f.lang) continue;
      if (f.from !== null && created[i]! < f.from) continue;
      if (f.to !== null && created[i]! > f.to) continue;
      pass[i] = 1;
      h[dist[i]!]!++;
    }
    return new CodeScan(this.seqs, dist, h, pass);
  }

  /** Reserve a slot (grown when full), fill its columns, zero its code; returns the code's address. */
  private slot(seq: number, tier: number, lang: number, created: number): number {
    if (this.n === this.cap) this.grow(Math.max(1024, this.cap * 2));
    const i = this.n++;
    this.seqs[i] = seq;
    this.tiers[i] = tier;
    this.langs[i] = lang;
    this.created[i] = created;
    const at = CODES_OFF + i * this.stride;
    this.u8.fill(0, at, at + this.stride);
    return at;
  }

  private grow(cap: number): void {
    const need = CODES_OFF + cap * this.stride + cap * 2;
    const pages = Math.ceil(need / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    this.u8 = new Uint8Array(this.memory.buffer);
    const copy = <T extends Float64Array | Uint8Array | Int32Array>(old: T, made: T): T => {
      made.set(old.subarray(0, this.n));
      return made;
    };
    this.seqs = copy(this.seqs, new Float64Array(cap));
    this.tiers = copy(this.tiers, new Uint8Array(cap));
    this.langs = copy(this.langs, new Int32Array(cap));
    this.created = copy(this.created, new Float64Array(cap));
    this.cap = cap;
  }

  private quantizeInto(v: Float32Array, at: number): void {
    const u8 = this.u8;
    u8.fill(0, at, at + this.stride);
    for (let d = 0; d < v.length; d += 8) {
      let byte = 0;
      for (let b = 0; b < 8; b++) if (v[d + b]! > 0) byte |= 1 << b;
      u8[at + (d >> 3)] = byte;
    }
  }
}

/** One query's distances to every code (and which codes pass its filters). */
export class CodeScan {
  constructor(
    private readonly seqs: Float64Array,
    private readonly dist: Uint16Array,
    private readonly hist: Int32Array,
    private readonly pass: Uint8Array | null,
  ) {}

  /**
   * The `m` codes nearest the query (passing the filters), nearest first: their seqs and distances.
   * Ties are taken, and ordered, by position (older codes first).
   */
  nearest(m: number): { seqs: number[]; dist: number[] } {
    const seqs: number[] = [];
    const dist: number[] = [];
    if (m < 1) return { seqs, dist };
    // The threshold: every code nearer than t, and the first `ties` at t.
    let before = 0;
    let t = this.hist.length - 1;
    let ties = Infinity;
    for (let d = 0; d < this.hist.length; d++) {
      const c = this.hist[d]!;
      if (before + c >= m) {
        t = d;
        ties = m - before;
        break;
      }
      before += c;
    }
    const { pass } = this;
    const all = this.dist;
    const at: number[] = [];
    for (let i = 0; i < all.length; i++) {
      const d = all[i]!;
      if (d > t || (pass !== null && pass[i] !== 1)) continue;
      if (d === t) {
        if (ties === 0) continue;
        ties--;
      }
      at.push(i);
    }
    at.sort((x, y) => all[x]! - all[y]! || x - y);
    for (const i of at) {
      seqs.push(this.seqs[i]!);
      dist.push(all[i]!);
    }
    return { seqs, dist };
  }
}
