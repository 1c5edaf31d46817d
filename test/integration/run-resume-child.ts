// Child process of run-resume.test.ts: one process's life of a workflow run against a data dir.
//   node --import tsx test/integration/run-resume-child.ts <dataDir> start|resume|approve|reject [runId]
// MAESTRO_TEST_RUN_KILL_AT=<stepId|run>:<phase> makes this process SIGKILL itself at that engine
// boundary (read here only: the engine just emits boundary events). RUN_WORKFLOW / RUN_INPUT pick
// the workflow and its input for `start`. Prints the run (JSON) when it gets to the end.
import { createServices } from '../../src/main/app/services';
import { prepareDevice, REPORT_WF, reviewer, runServiceFor } from '../../src/main/features/runs/test-helpers';

const [dataDir, mode, runId] = process.argv.slice(2);
if (!dataDir || !mode) throw new Error('usage: run-resume-child.ts <dataDir> start|resume|approve|reject [runId]');
const s = createServices({ dataDir, host: 'web' });
prepareDevice(s);
const runs = runServiceFor(s);
const killAt = process.env.MAESTRO_TEST_RUN_KILL_AT;
if (killAt) {
  runs.subscribe((e) => {
    if (e.type === 'step.boundary' && `${e.stepId ?? 'run'}:${e.phase}` === killAt) process.kill(process.pid, 'SIGKILL');
  });
}

let out: unknown;
if (mode === 'start') {
  out = await runs.start({ workflow: process.env.RUN_WORKFLOW ?? REPORT_WF, input: JSON.parse(process.env.RUN_INPUT ?? '{}') as unknown });
} else if (mode === 'resume') {
  out = await runs.resumeAll();
} else if (mode === 'approve' || mode === 'reject') {
  out = await runs.decide(runId!, { decision: mode === 'approve' ? 'approved' : 'rejected', comment: `${mode} from a child process`, actor: reviewer });
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(JSON.stringify(out));
s.close();
process.exit(0);
