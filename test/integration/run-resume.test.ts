// Crash and resume: a child process runs a workflow against a data dir and is SIGKILLed at every
// step boundary (before the step, after it executed but before its commit, inside its commit
// transaction, after its commit); a fresh process resumes. Each step must execute exactly once:
// one run_steps row per step, one run.step.succeeded audit entry per step, one captured record.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase } from '../../src/main/platform/db/connection';
import { DB_FILE } from '../../src/main/app/services';
import { tempDir } from '../../src/main/platform/test-utils';
import { AuditStore } from '../../src/main/platform/audit/index';
import { report, REPORT_WF } from '../../src/main/features/runs/test-helpers';

const CHILD = 'test/integration/run-resume-child.ts';
const STEPS = ['capture-form', 'ai-summarize', 'classify-risk', 'review-gate', 'submit'];
const PHASES = ['step.before', 'step.commit.before', 'step.commit.inside', 'step.commit.after'] as const;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function child(dataDir: string, mode: string, env: Record<string, string> = {}, runId?: string): Promise<ChildResult> {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, mode, ...(runId ? [runId] : [])], {
    env: { ...process.env, RUN_WORKFLOW: REPORT_WF, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

async function killedAt(dataDir: string, mode: string, at: string, env: Record<string, string> = {}, runId?: string): Promise<void> {
  const r = await child(dataDir, mode, { ...env, MAESTRO_TEST_RUN_KILL_AT: at }, runId);
  expect({ at, signal: r.signal, stderr: r.signal ? '' : r.stderr.slice(-2000), stdout: r.signal ? '' : r.stdout.slice(0, 500) }).toEqual({
    at,
    signal: 'SIGKILL',
    stderr: '',
    stdout: '',
  });
}

async function finishes(dataDir: string, mode: string, env: Record<string, string> = {}, runId?: string): Promise<unknown> {
  const r = await child(dataDir, mode, env, runId);
  expect({ code: r.code, signal: r.signal, stderr: r.code === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ code: 0, signal: null, stderr: '' });
  return JSON.parse(r.stdout) as unknown;
}

/** What the data dir holds now (opening it also recovers the WAL the way the next process would). */
function inspect(dataDir: string) {
  const db = openDatabase(join(dataDir, DB_FILE));
  try {
    const q = (sql: string) => db.prepare(sql).all() as Record<string, unknown>[];
    const n = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      runs: q('SELECT id, status, next_step AS nextStep FROM runs'),
      steps: q('SELECT step_id AS id, status FROM run_steps ORDER BY step_index').map((r) => `${String(r.id)}:${String(r.status)}`),
      succeededAudit: (q("SELECT payload FROM audit_log WHERE action = 'run.step.succeeded' ORDER BY seq") as { payload: string }[]).map(
        (r) => (JSON.parse(r.payload) as { step: string }).step,
      ),
      compensatedAudit: (q("SELECT payload FROM audit_log WHERE action = 'run.step.compensated' ORDER BY seq") as { payload: string }[]).map(
        (r) => (JSON.parse(r.payload) as { step: string }).step,
      ),
      records: n('SELECT count(*) FROM records'),
      outboxRecords: n("SELECT count(*) FROM outbox WHERE kind = 'record'"),
      drafts: n('SELECT count(*) FROM drafts'),
      cards: n('SELECT count(*) FROM decision_cards'),
      auditValid: new AuditStore(db).verify(null, new Date().toISOString()).valid,
    };
  } finally {
    db.close();
  }
}

const input = (over: Record<string, unknown> = {}) => ({ RUN_INPUT: JSON.stringify(report(over)) });

describe('run crash and resume (child processes, SIGKILL)', () => {
  it('killed at every step boundary in turn, each step still executes exactly once and the run succeeds', { timeout: 240_000 }, async () => {
    const dataDir = tempDir('maestro-run-resume-');
    const boundaries = ['run:run.created', ...STEPS.flatMap((s) => PHASES.map((p) => `${s}:${p}`))];
    for (const [i, at] of boundaries.entries()) {
      // The first process starts the run; every later one resumes it, gets one boundary further, dies.
      await killedAt(dataDir, i === 0 ? 'start' : 'resume', at, i === 0 ? input() : {});
      const st = inspect(dataDir);
      const [stepId, phase] = at.split(':') as [string, string];
      const k = STEPS.indexOf(stepId);
      // Committed steps: all before this one, plus this one once its commit is done. A kill inside
      // the commit transaction leaves no trace of the step.
      const committed = phase === 'step.commit.after' ? k + 1 : Math.max(k, 0);
      expect({ at, steps: st.steps, audit: st.succeededAudit }).toEqual({
        at,
        steps: STEPS.slice(0, committed).map((s) => `${s}:succeeded`),
        audit: STEPS.slice(0, committed),
      });
      expect({ at, records: st.records, drafts: st.drafts }).toEqual({ at, records: committed === 5 ? 1 : 0, drafts: committed >= 1 && committed < 5 ? 1 : 0 });
      expect(st.runs).toHaveLength(1);
      expect(st.auditValid).toBe(true);
    }
    // The last process died right after the last commit; a fresh one finishes the run.
    const resumed = (await finishes(dataDir, 'resume')) as { status: string }[];
    expect(resumed.map((r) => r.status)).toEqual(['succeeded']);
    const end = inspect(dataDir);
    expect(end).toMatchObject({
      runs: [{ status: 'succeeded', nextStep: 5 }],
      steps: STEPS.map((x) => `${x}:succeeded`),
      succeededAudit: STEPS,
      records: 1,
      outboxRecords: 1,
      drafts: 0,
      cards: 6,
      auditValid: true,
    });
    // Nothing left to resume.
    expect(await finishes(dataDir, 'resume')).toEqual([]);
  });

  it('a RED run waits across processes; the approving process dies inside the submit commit; the next one finishes it once', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('maestro-run-resume-');
    const waiting = (await finishes(dataDir, 'start', input({ conclusion: 'unsafe' }))) as { id: string; status: string };
    expect(waiting.status).toBe('awaiting_approval');
    expect(await finishes(dataDir, 'resume')).toEqual([]); // a waiting run is not resumed
    await killedAt(dataDir, 'approve', 'submit:step.commit.inside', {}, waiting.id);
    expect(inspect(dataDir)).toMatchObject({ steps: STEPS.slice(0, 4).map((x) => `${x}:succeeded`), records: 0, runs: [{ status: 'running' }] });
    const resumed = (await finishes(dataDir, 'resume')) as { status: string }[];
    expect(resumed.map((r) => r.status)).toEqual(['succeeded']);
    expect(inspect(dataDir)).toMatchObject({
      steps: STEPS.map((x) => `${x}:succeeded`),
      succeededAudit: STEPS,
      records: 1,
      outboxRecords: 1,
      drafts: 0,
      auditValid: true,
    });
  });

  it('a rejection whose compensation is killed mid-transaction is undone exactly once on resume', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('maestro-run-resume-');
    const waiting = (await finishes(dataDir, 'start', input({ conclusion: 'unsafe' }))) as { id: string };
    expect(inspect(dataDir).drafts).toBe(1);
    await killedAt(dataDir, 'reject', 'capture-form:compensate.inside', {}, waiting.id);
    expect(inspect(dataDir)).toMatchObject({ runs: [{ status: 'compensating' }], drafts: 1, compensatedAudit: [] });
    const resumed = (await finishes(dataDir, 'resume')) as { status: string }[];
    expect(resumed.map((r) => r.status)).toEqual(['rolled_back']);
    expect(inspect(dataDir)).toMatchObject({
      steps: ['capture-form:compensated', 'ai-summarize:succeeded', 'classify-risk:succeeded'],
      compensatedAudit: ['capture-form'],
      drafts: 0,
      records: 0,
      auditValid: true,
    });
  });
});
