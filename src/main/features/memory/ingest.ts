// Episodic memory from what happens on the device: each captured record (its text fields, never
// the fields its contract marks as PII) and each finished run (workflow, outcome, what each step
// produced). Added after the capture or run step has committed; a failure here never affects them.
import type { EventBus } from '../../platform/events';
import type { Logger } from '../../platform/util/logger';
import type { AuditEntries, CapturedRecords, ContractLookup } from './ports';
import type { MemoryService } from './service';
import type { RunView } from '../../../shared/workflow/views';

const FINISHED = new Set(['succeeded', 'failed', 'rolled_back']);
const MAX_CHARS = 4000;

/** `path: value` lines of every string / number leaf not under a PII pointer. */
export function recordText(data: unknown, pii: readonly string[]): string {
  const lines: string[] = [];
  const walk = (v: unknown, ptr: string, label: string) => {
    if (pii.some((p) => ptr === p || ptr.startsWith(`${p}/`))) return;
    if (typeof v === 'string') {
      if (!v.startsWith('sha256:')) lines.push(`${label}: ${v}`);
    } else if (typeof v === 'number' || typeof v === 'boolean') lines.push(`${label}: ${String(v)}`);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${ptr}/${i}`, label));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${ptr}/${k}`, label ? `${label}.${k}` : k);
  };
  walk(data, '', '');
  return lines.join('\n').slice(0, MAX_CHARS);
}

export function runText(r: RunView): string {
  const steps = r.steps.filter((s) => s.summary || s.error).map((s) => `- ${s.title ?? s.stepId}: ${s.summary ?? s.error}`);
  return [`Run of ${r.title} (${r.workflow}) ${r.status.replace('_', ' ')}${r.error ? `: ${r.error}` : ''}.`, ...steps].join('\n').slice(0, MAX_CHARS);
}

export function startEpisodicIngest(d: {
  /** Captured records (features/capture record-reader). */
  records: CapturedRecords;
  /** The audit log: a `record.captured` entry's subject is the record id. */
  audit: AuditEntries;
  events: EventBus;
  contracts: ContractLookup;
  memory: MemoryService;
  runView: (runId: string) => RunView;
  logger: Logger;
  /** BCP-47 of what users write here (MAESTRO_LOCALE, default `und`: undetermined). */
  locale: string;
}): { stop(): void; idle(): Promise<void> } {
  const fail = (what: string) => (e: unknown) =>
    d.logger.warn(`episodic memory: ${what} not added`, { code: 'MEMORY_INGEST_FAILED', err: (e as Error).message });
  const addRecord = async (recordId: string) => {
    const r = d.records.record(recordId);
    if (!r) return;
    const pii = d.contracts.has(r.contract) ? d.contracts.get(r.contract).doc.pii : [];
    const text = recordText(r.data, pii);
    if (text)
      await d.memory.add({
        tier: 'episodic',
        text: `Captured ${r.contract}\n${text}`,
        locale: d.locale,
        sourceRefs: [`record:${recordId}`],
        actor: 'service:memory',
      });
  };
  const addRun = async (runId: string) => {
    const v = d.runView(runId);
    await d.memory.add({ tier: 'episodic', text: runText(v), locale: d.locale, sourceRefs: [`run:${runId}`], runId, actor: 'service:memory' });
  };
  const pending = new Set<Promise<void>>();
  let stopped = false;
  // After the emitting transaction has committed; tracked so a caller can wait (idle) before closing.
  const later = (what: string, f: () => Promise<void>) => {
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => (stopped ? undefined : f()))
      .catch(fail(what))
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  const unsubscribe = d.events.subscribe((name, p) => {
    if (name === 'audit.appended' && (p as { action: string }).action === 'record.captured') {
      const at = (p as { seq: number }).seq;
      later('record', async () => {
        const id = d.audit.get(at)?.subject;
        if (id) await addRecord(id);
      });
    }
    if (name === 'runs.changed' && FINISHED.has((p as { status: string }).status)) {
      const runId = (p as { runId: string }).runId;
      later('run', () => addRun(runId));
    }
  });
  return {
    stop() {
      stopped = true;
      unsubscribe();
    },
    /** Every item this ingest started is written, and has its vector (or its embedding failed). */
    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
      await d.memory.embedded();
    },
  };
}
