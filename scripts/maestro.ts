// npm run maestro -- <command>
//   export-pack <runId> [--data-dir D] [--out F] [--include-pii] [--role field|reviewer|admin]
//       writes the run's disclosure pack (default ./pack-<runId>.tgz), signed by this device's key
//   verify-pack <pack.tgz>
//       verifies a pack offline (same checks as scripts/verify-pack.mjs); exit 1 when it fails
//   rotate-device-key [--data-dir D]
//       replaces this device's signing key: the server accepts the new key (request signed with the
//       old one), then the device switches to it; audited on both sides. Exit 1 when refused
import { resolve } from 'node:path';
import { createServices } from '../src/main/app/services';
import { openAtRest } from '../src/main/app/at-rest-start';
import { resolveDataDir } from '../src/main/platform/paths';
import { exportPack } from '../src/main/features/evidence/pack/export';
import { formatReport, verifyPack } from '../src/main/features/evidence/pack/verify';
import type { Role } from '../src/shared/api/types';

const USAGE =
  'usage: maestro export-pack <runId> [--data-dir D] [--out F] [--include-pii] [--role R] | maestro verify-pack <pack.tgz> | maestro rotate-device-key [--data-dir D]';

function parseArgs(argv: string[]): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) positional.push(a);
    else if (a === '--include-pii') flags.set(a, true);
    else {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`${a} needs a value`);
      flags.set(a, v);
      i += 1;
    }
  }
  return { positional, flags };
}

async function main(argv: string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv);
  const [cmd, arg] = positional;
  const str = (k: string) => (typeof flags.get(k) === 'string' ? (flags.get(k) as string) : undefined);
  if (cmd === 'export-pack' && arg) {
    const dataDir = resolveDataDir(str('--data-dir'));
    const out = resolve(str('--out') ?? `pack-${arg}.tgz`);
    const role = str('--role') as Role | undefined;
    if (role && !['field', 'reviewer', 'admin'].includes(role)) throw new Error(`unknown role ${role}`);
    const s = createServices({ dataDir, host: 'web', ...(await openAtRest(dataDir)) });
    try {
      const r = await exportPack(s, arg, {
        out,
        includePii: flags.has('--include-pii'),
        role,
        onProgress: (p) => process.stderr.write(`${p.phase} ${p.done}/${p.total}\r`),
      });
      process.stderr.write('\n');
      process.stdout.write(
        `${r.out}: ${r.files} files, ${r.bytes} bytes; manifest sha256 ${r.manifestSha256}; PII ${r.piiIncluded ? 'included' : 'redacted'}; ${r.countersigned ? 'countersigned' : 'not countersigned'}\n`,
      );
      return 0;
    } finally {
      s.close();
    }
  }
  if (cmd === 'verify-pack' && arg) {
    const r = await verifyPack(resolve(arg));
    process.stdout.write(formatReport(r) + '\n');
    return r.ok ? 0 : 1;
  }
  if (cmd === 'rotate-device-key' && !arg) {
    const dataDir = resolveDataDir(str('--data-dir'));
    const s = createServices({ dataDir, host: 'web', ...(await openAtRest(dataDir)) });
    try {
      const r = await s.sync.rotateDeviceKey();
      process.stdout.write(`device key rotated: version ${r.version}, public key ${r.publicKey}, certificate version ${r.certVersion}\n`);
      return 0;
    } finally {
      s.close();
    }
  }
  process.stderr.write(USAGE + '\n');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`maestro: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
