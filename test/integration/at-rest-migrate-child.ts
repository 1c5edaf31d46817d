// Child of at-rest-migrate-kill.test.ts: opens a plaintext profile with the at-rest key (which
// encrypts it in place), printing each progress stage; the parent SIGKILLs it at a random moment.
import { openDatabase } from '../../src/main/platform/db/connection';

const [path, keyHex] = process.argv.slice(2);
if (!path || !keyHex) throw new Error('usage: at-rest-migrate-child <db> <keyHex>');
process.stdout.write('start\n');
const t0 = performance.now();
const db = openDatabase(path, { key: Buffer.from(keyHex, 'hex'), onProgress: (p) => process.stdout.write(`${p.stage}\n`) });
db.close();
process.stdout.write(`finished ${Math.round(performance.now() - t0)}\n`);
