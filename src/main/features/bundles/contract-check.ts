// The contract compatibility check when a contracts bundle is built (npm run seal, npm run bundle
// add --kind contracts): the content's contracts against the previous version of the bundle (its
// targets/ as last built or sealed, or another bundle's targets/) and against each other. Throws
// BundleError CONTRACT_NOT_COMPATIBLE with details.changes; the build writes nothing then.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertContractsCompatible, type ContractCheck } from '../../../shared/contracts/compat';
import { BundleError } from '../../../shared/bundles/errors';

/** The top-level `*.json` contract documents of a directory, parsed; none when it does not exist. */
export function contractDocsIn(dir: string): unknown[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      try {
        return JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown;
      } catch (e) {
        throw new BundleError('BUNDLE_KIND_MISMATCH', `contract ${join(dir, f)} is not JSON (${(e as Error).message})`, { path: f });
      }
    });
}

/** Check `contentDir` against the previous versions in `previousDirs` (missing ones are skipped). */
export function checkContractsBuild(contentDir: string, previousDirs: readonly string[]): ContractCheck[] {
  return assertContractsCompatible(previousDirs.flatMap(contractDocsIn), contractDocsIn(contentDir));
}
