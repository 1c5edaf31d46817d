// Where a notification leads: the Runs view with its run open (this device's, or another device's
// through the tenant scope); a notice without one run (several waiting) opens the Runs view.
import { useApp } from '../../app-store';
import { useRunDetail } from '../runs/run-detail-store';
import { useTeam } from '../team/team-store';
import type { Notice } from './derive';

export function openNotice(n: Pick<Notice, 'kind' | 'run'>): void {
  const app = useApp.getState();
  if (n.kind === 'syncFailing' || n.kind === 'deviceBlocked') return app.go('outbox');
  app.go('runs');
  if (n.kind === 'runWaiting') useTeam.getState().setScope('runs', 'tenant');
  if (!n.run) return;
  if (n.run.device === null) void useRunDetail.getState().openLocal(n.run.runId);
  else void useRunDetail.getState().openRemote(n.run.device, n.run.runId);
}
