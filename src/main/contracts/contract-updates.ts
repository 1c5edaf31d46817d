import type { Db } from '../db/connection';
import type { Clock } from '../util/clock';
import type { AuditService } from '../audit/index';
import type { ContractDoc } from '../../shared/api/types';
import { parseContractRef } from '../../shared/sync/protocol';
import { compareVersions, type ContractRegistry } from './contract-loader';

export type UpdatePlan = { install: string[]; breaking: { name: string; local: string; server: string }[] };

/**
 * Micro-contract updates. After a sync the device compares the server's current versions with its
 * own: a newer minor/patch of a major it has is fetched and installed without reinstalling the app;
 * a newer major is only flagged (items captured under the old major stay on the device, marked).
 * Installed documents live in SQLite and are loaded at start; the sealed-bundle issue (#6) will put
 * a signature check in front of `install`.
 */
export class ContractUpdates {
  constructor(
    private readonly db: Db,
    private readonly registry: ContractRegistry,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Load documents installed from the server in earlier sessions. A bad one is skipped, not fatal. */
  loadInstalled(): string[] {
    const failed: string[] = [];
    for (const r of this.db.prepare('SELECT ref, doc FROM contract_docs ORDER BY ref').all() as { ref: string; doc: string }[]) {
      try {
        this.registry.load(JSON.parse(r.doc) as unknown, `installed ${r.ref}`);
      } catch {
        failed.push(r.ref);
      }
    }
    return failed;
  }

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

  /** Validate and install one document (it must be the version asked for). */
  install(ref: string, doc: unknown): ContractDoc {
    const loaded = this.registry.load(doc, `server ${ref}`);
    if (loaded.doc.contract !== ref) throw new Error(`server sent ${loaded.doc.contract} when asked for ${ref}`);
    const name = ref.split('@')[0]!;
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO contract_docs (ref, name, doc, source, installed_at) VALUES (?, ?, ?, 'server', ?) ON CONFLICT(ref) DO NOTHING")
        .run(ref, name, JSON.stringify(loaded.doc), this.clock.now().toISOString());
      this.audit.append({ actor: 'service:contracts', action: 'contract.updated', subject: ref, payload: { source: 'server' } });
    })();
    return loaded.doc;
  }
}
