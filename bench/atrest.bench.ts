// atrest.overhead.*: what encrypting the device database at rest (SQLCipher 4: AES-256-CBC pages and
// an HMAC-SHA512 per page, through SQLite3 Multiple Ciphers) costs. Each figure is measured on the
// encrypted database and on a plaintext one in the same run, alternating, best of `ROUNDS`; value is
// the encrypted figure, ref the plaintext one, and the unit states the ratio (target ≥ 0.7: the
// encrypted database keeps at least 70 % of the plaintext throughput, resp. speed).
import { randomBytes } from 'node:crypto';
import { appendBatchRate } from './audit.bench';
import { search100k } from './memory.bench';
import { emit, size } from './figure';

const ROUNDS = size(3, 1);

export async function run(): Promise<void> {
  const key = randomBytes(32);
  {
    const plain: number[] = [];
    const enc: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      plain.push(appendBatchRate());
      enc.push(appendBatchRate(undefined, key));
    }
    const p = Math.max(...plain);
    const e = Math.max(...enc);
    emit({
      name: 'atrest.overhead.audit.append.batch',
      value: e,
      unit: `entries/s encrypted (ratio to plaintext ${(e / p).toFixed(2)})`,
      ref: p,
      refName: 'audit.append.batch on a plaintext database, same run',
      target: 'ratio ≥ 0.7',
    });
  }
  {
    const plain: number[] = [];
    const enc: number[] = [];
    for (let i = 0; i < size(2, 1); i++) {
      plain.push((await search100k(undefined)).p95);
      enc.push((await search100k(key)).p95);
    }
    const p = Math.min(...plain);
    const e = Math.min(...enc);
    emit({
      name: 'atrest.overhead.memory.search.100k.p95',
      value: e,
      unit: `ms p95 encrypted (speed ratio to plaintext ${(p / e).toFixed(2)})`,
      ref: p,
      refName: 'memory.search.100k.p95 on a plaintext database, same run',
      target: 'ratio ≥ 0.7',
    });
  }
}
