// Sample workflow runs for `npm run demo`: a compliant inspection report that runs to the end, and an
// "unsafe" one that waits for a reviewer at its first RED step, so Runs and Decision cards have cards
// with reasons to browse (on an admin's or reviewer's device, one its user cannot approve: four eyes).
import type { Services } from '../src/main/app/services';

const report = (id: string, conclusion: string, summary: string, by: string) => ({
  reportId: id,
  siteIds: ['PS-7', 'PS-9'],
  period: { from: '2026-11-01', to: '2026-11-20' },
  conclusion,
  summary,
  submittedBy: { name: by },
});

export async function seedRuns(s: Services, by: string): Promise<string[]> {
  const out: string[] = [];
  const ok = await s.runs.start({
    workflow: 'site-inspection-report@1.0.0',
    input: report(
      'RPT-2026-101',
      'minor-issues',
      'Pump station 7 shows light corrosion on the inlet valve; station 9 is in good condition. Follow-up visit booked.',
      by,
    ),
  });
  out.push(`${ok.id} ${ok.status}`);
  const red = await s.runs.start({
    workflow: 'site-inspection-report@1.0.0',
    input: report('RPT-2026-102', 'unsafe', 'Pump station 9: cracked pressure vessel found during the visit; the site is closed until it is repaired.', by),
  });
  out.push(`${red.id} ${red.status}`);
  return out;
}
