// Sample data for `npm run demo`: a field profile and an audit trail of a day's inspection.
import { createServices } from '../src/main/services';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: demo-seed <dataDir>');
const s = createServices({ dataDir, host: 'web' });
if (!s.profile.get()) {
  const p = s.profile.setup({ name: 'Dana Demo', tenant: 'demo-field' });
  const me = `user:${p.id}`;
  const steps: [string, string, string, unknown][] = [
    [me, 'note.added', 'site-7', { note: 'Arrived at pumping station 7; gate locked, used key 14.' }],
    ['service:workflow', 'run.started', 'run-001', { workflow: 'site-inspection@1.0.0', site: 'site-7' }],
    [me, 'note.added', 'site-7/valve-b', { note: 'Valve B: light corrosion on flange, photo taken.' }],
    ['service:policy', 'decision.recorded', 'run-001', { lane: 'auto', rule: 'corrosion-minor', outcome: 'allow' }],
    [me, 'note.added', 'site-7/meter', { note: 'Flow meter reads 41.7 m3/h, within range.' }],
    ['service:workflow', 'run.completed', 'run-001', { steps: 6, durationMin: 48 }],
    [me, 'note.added', 'site-7', { note: 'Left site 7, gate locked.' }],
  ];
  for (const [actor, action, subject, payload] of steps) s.audit.append({ actor, action, subject, payload });
  s.audit.verify();
}
process.stdout.write(`demo data ready in ${dataDir} (${s.audit.store.count()} audit entries)\n`);
s.close();
