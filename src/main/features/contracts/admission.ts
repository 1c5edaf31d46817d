// The contract compatibility check at install: a contracts bundle is compared, contract by
// contract, with the active version of the same bundle (and its own lower versions) before
// anything is installed. A minor or patch version that breaks the previous version of its major
// is refused (BundleError CONTRACT_NOT_COMPATIBLE, details.changes); a new major passes (the
// sync's CONTRACT_BREAKING path handles it). Rules: src/shared/contracts/schema-diff.ts.
import { BundleError } from '../../../shared/bundles/errors';
import { assertContractsCompatible } from '../../../shared/contracts/compat';
import type { AdmitCheck } from './ports';

type Readable = { files(): string[]; read(path: string): Buffer };

/** The top-level `*.json` documents of a contracts bundle, parsed (the registry reads the same files). */
function contractDocs(b: Readable, what: string): unknown[] {
  return b
    .files()
    .filter((f) => !f.includes('/') && f.endsWith('.json'))
    .map((f) => {
      try {
        return JSON.parse(b.read(f).toString('utf8')) as unknown;
      } catch (e) {
        if (e instanceof BundleError) throw e;
        // Fail-closed: a contract that cannot be read cannot be proved compatible.
        throw new BundleError('BUNDLE_KIND_MISMATCH', `${what}: contract ${f} is not JSON (${(e as Error).message})`, { path: f });
      }
    });
}

export const contractsAdmission: AdmitCheck = (candidate, active) => {
  if (candidate.info.kind !== 'contracts') return;
  const previous = active && active.info.kind === 'contracts' ? contractDocs(active, `${active.info.name} ${active.info.version} (active)`) : [];
  assertContractsCompatible(previous, contractDocs(candidate, `${candidate.info.name} ${candidate.info.version}`));
};
