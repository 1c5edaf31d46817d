// npm run seal [-- --json]: seal resources/{policy,workflows,contracts} into signed bundles under
// resources/bundles/<name>/, and the development policy overlay resources/policy-dev into
// resources/bundles-dev/maestro.policy-dev (installed only with MAESTRO_DEV_POLICY=1, never packaged),
// with the development keys (resources/trust/README.md). Unchanged bundles are left as they are, so
// this is cheap to run before every start and test.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sealResources, type SealResult } from '../src/main/features/bundles/seal';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function sealMain(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<SealResult[]> {
  const results = await sealResources({
    resourcesDir: join(root, 'resources'),
    outDir: join(root, 'resources', 'bundles'),
    devOutDir: join(root, 'resources', 'bundles-dev'),
  });
  if (argv.includes('--json')) out(JSON.stringify(results));
  else
    for (const r of results)
      out(`${r.sealed ? 'sealed   ' : 'unchanged'} ${r.name} ${r.version} (targets v${r.targetsVersion})${r.sealed ? `: ${r.reason}` : ''}`);
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  sealMain(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
    process.exit(2);
  });
}
