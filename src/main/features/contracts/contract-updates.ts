import type { AuditService } from '../../platform/audit/index';
import type { BundleReader } from '../bundles/types';
import type { BundleInstaller } from './ports';
import { parseContractRef } from '../../../shared/sync/protocol';
import { compareVersions, type ContractRegistry } from './contract-loader';

export type UpdatePlan = { install: string[]; breaking: { name: string; local: string; server: string }[] };

/**
 * Micro-contract updates. After a sync the device compares the server's current versions with its
 * own: a newer minor/patch of a major it has arrives without reinstalling the app, as a new version
 * of the signed `maestro.contracts` bundle fetched from the server and verified against the trusted
 * root like any other bundle (the registry loads it when the bundle becomes active); a newer major
 * is only flagged (items captured under the old major stay on the device, marked). Contract
 * documents are never taken from the server unsigned.
 */
export class ContractUpdates {
  constructor(
    private readonly registry: ContractRegistry,
    private readonly audit: AuditService,
    private readonly bundles: BundleInstaller,
  ) {}

  plan(server: Record<string, string>): UpdatePlan {
    const local = this.registry.versions();
    const plan: UpdatePlan = { install: [], breaking: [] };
    for (const [name, version] of Object.entries(server)) {
      const s = parseContractRef(`${name}@${version}`);
      const mine = local[name];
      if (!s || !mine) continue; // a contract this app does not know yet arrives with an app update
      const l = parseContractRef(`${name}@${mine}`)!;
      const sv: [number, number, number] = [s.major, s.minor, s.patch];
      const lv: [number, number, number] = [l.major, l.minor, l.patch];
      if (s.major > l.major) plan.breaking.push({ name, local: mine, server: version });
      else if (s.major === l.major && compareVersions(sv, lv) > 0) plan.install.push(`${name}@${version}`);
    }
    return plan;
  }

  /**
   * Install the server's contracts bundle and check it holds every wanted reference. Throws a
   * BundleError when the bundle does not verify, an Error when it verifies but lacks a reference.
   */
  async installFromServer(reader: BundleReader, wanted: string[]): Promise<string[]> {
    const before = new Set(wanted.filter((r) => this.registry.has(r)));
    const r = await this.bundles.install(reader, { actor: 'service:contracts' });
    const missing = wanted.filter((ref) => !this.registry.has(ref));
    if (missing.length)
      throw new Error(`the server's contracts bundle ${r.bundle.version} (targets v${r.bundle.targetsVersion}) does not contain ${missing.join(', ')}`);
    const added = wanted.filter((ref) => !before.has(ref));
    for (const ref of added)
      this.audit.append({
        actor: 'service:contracts',
        action: 'contract.updated',
        subject: ref,
        payload: { source: 'server', bundle: r.bundle.name, bundleVersion: r.bundle.version, targetsVersion: r.bundle.targetsVersion },
      });
    return added;
  }
}
