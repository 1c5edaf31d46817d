import { describe, expect, it } from 'vitest';
import { makeServices } from '../../platform/test-utils';
import { recordText } from './ingest';

const until = async (f: () => boolean) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(f()).toBe(true);
};

describe('episodic memory from captures', () => {
  it('text fields only, never the contract’s PII fields', () => {
    const t = recordText({ siteId: 'PS-7', inspector: { name: 'Dana', phone: '+358' }, readings: [{ meter: 'Flow', value: 41.7 }], photos: ['sha256:abc'] }, [
      '/inspector',
    ]);
    expect(t).toContain('siteId: PS-7');
    expect(t).toContain('readings.meter: Flow');
    expect(t).not.toMatch(/Dana|\+358|sha256/);
  });

  it('a captured record becomes an episodic item citing it', async () => {
    const s = makeServices();
    s.profile.setup({ name: 'Ada', tenant: 'acme' });
    const c = s.contracts.get('field.inspect.site@1.2.0').doc;
    const { recordId } = s.capture.submit({
      contract: c.contract,
      data: {
        siteId: 'PS-7',
        inspectedAt: '2026-11-20',
        location: { lat: 60.1, lon: 24.9, accuracyM: 4 },
        condition: 'fair',
        accessible: true,
        inspector: { name: 'Dana Demo', phone: '+358 40 000 0000' },
        readings: [],
        visitMinutes: 30,
      },
    }) as { recordId: string };
    await until(() => s.memory.stats().tiers.episodic.count === 1);
    const hit = (await s.memory.search({ text: 'PS-7 condition fair', tiers: ['episodic'] })).hits[0]!;
    expect(hit.item.sourceRefs).toEqual([`record:${recordId}`]);
    expect(hit.item.text).not.toContain('Dana Demo');
    s.close();
  });
});
