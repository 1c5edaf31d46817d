// policy.* handlers (channels: src/shared/api/policy.ts).
import type { HandlersFor } from '../../../shared/api/channel';
import type { policyChannels } from '../../../shared/api/policy';
import { toLoadProblems } from '../../../shared/api/workflows';
import type { PlainText } from '../../../shared/policy/types';
import type { PolicyStatus } from '../../../shared/workflow/views';
import type { AuditService } from '../../platform/audit/index';
import type { Clock } from '../../platform/util/clock';
import type { PolicyEngine } from './index';
import { loadErrorAlert } from './load-errors';
import type { Message } from '../../../shared/messages';

type LoadError = { file: string; line?: number | null; reason: string; message?: Message };

export interface PolicyApiDeps {
  policy: PolicyEngine;
  /** The workflow set, loaded from the same bundles. */
  workflows: { workflows(): unknown[]; loadErrors(): readonly LoadError[]; reloadWorkflows(): { workflows: unknown[]; errors: readonly LoadError[] } };
  /** Where a refused file is reported to the user. */
  alerts: { alert(code: string, message: Message, subject?: string): void };
  audit: Pick<AuditService, 'append'>;
  /** Who acts: the local profile. */
  profile: { actor(): string };
  clock: Clock;
  /** When the policy, invariants and workflows were last (re)loaded. */
  loadedAt: { get(): string; set(at: string): void };
}

export function policyApi(d: PolicyApiDeps): HandlersFor<typeof policyChannels> {
  /** The active policy, invariant and workflow sets, and every file refused at the last load. */
  const status = (): PolicyStatus => ({
    version: d.policy.version(),
    invariants: d.policy.invariantCount(),
    workflows: d.workflows.workflows().length,
    problems: toLoadProblems([...d.policy.lastErrors(), ...d.workflows.loadErrors()]),
    loadedAt: d.loadedAt.get(),
    fourEyes: d.policy.params()?.fourEyes === true,
  });
  return {
    'policy.status': () => status(),
    // The loader validated every language a map holds, so none of its entries is undefined.
    'policy.texts': () => ({ invariants: d.policy.plainTexts() as Record<string, Record<string, PlainText>> }),
    'policy.reload': () => {
      const r = d.policy.reload();
      const w = d.workflows.reloadWorkflows();
      d.loadedAt.set(d.clock.now().toISOString());
      // A refused file leaves the previous set active; the user sees why in the alerts and here.
      for (const e of [...r.errors, ...w.errors]) d.alerts.alert('POLICY_LOAD_FAILED', loadErrorAlert(e, `${e.file}${e.line ? `:${e.line}` : ''}`), e.file);
      d.audit.append({
        actor: d.profile.actor(),
        action: 'policy.reloaded',
        subject: d.policy.version() ?? '',
        payload: { ok: r.ok && w.errors.length === 0, invariants: d.policy.invariantCount(), workflows: w.workflows.length },
      });
      return status();
    },
  };
}
