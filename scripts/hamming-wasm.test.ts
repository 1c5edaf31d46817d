// The committed WebAssembly of memory search (src/main/features/memory/hamming-wasm.ts) is what wabt
// makes of the committed source (hamming.wat): edit the .wat, run `npm run wasm:hamming`, commit both.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileHamming, MODULE_PATH, moduleSource } from './hamming-wasm';

describe('hamming-wasm.ts', () => {
  it('holds exactly the bytes wabt compiles from hamming.wat', async () => {
    const wasm = await compileHamming();
    expect(wasm.subarray(0, 4).toString('latin1')).toBe('\0asm');
    expect(readFileSync(MODULE_PATH, 'utf8')).toBe(moduleSource(wasm));
  });
});
