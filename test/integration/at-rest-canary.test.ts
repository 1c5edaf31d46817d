// Encryption at rest, proven by a byte search: a canary typed into a capture is found in no file of
// the device's data directory (database, WAL, SHM, everything else), while the database is open and
// after it closed. The same run without an at-rest key finds it: the search can fail.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createDispatcher } from '../../src/main/app/dispatch';
import { makeServices, tempDir } from '../../src/main/platform/test-utils';
import { dbFileKind } from '../../src/main/platform/db/cipher';

const CANARY = 'Zq7Canary Vkx9Marker';
const NEEDLES = [CANARY, CANARY.toLowerCase(), 'zq7canary', 'vkx9marker'].map((s) => Buffer.from(s, 'utf8'));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every file under the data directory that holds any spelling of the canary. */
function filesWithCanary(dir: string): string[] {
  return filesUnder(dir).filter((f) => {
    const bytes = readFileSync(f);
    return NEEDLES.some((n) => bytes.includes(n));
  });
}

async function captureCanary(atRestKey: null | undefined) {
  const dataDir = tempDir('maestro-canary-');
  const s = makeServices({ dataDir, ...(atRestKey === null ? { atRestKey: null } : {}) });
  const d = createDispatcher(s);
  await d('profile.setup', { name: 'Ada', tenant: 'acme' });
  const r = await d('capture.submit', {
    contract: 'field.inspect.site@1.2.0',
    data: {
      siteId: 'PS-7',
      inspectedAt: '2026-11-20',
      location: { lat: 52.1, lon: 4.3 },
      condition: 'fair',
      inspector: { name: CANARY },
      notes: `Pump seal weeps; ${CANARY} noted on the tag`,
      readings: [{ meter: 'flow', value: 41.7, unit: 'm3/h' }],
    },
  });
  expect(r).toMatchObject({ ok: true });
  await s.memoryIngest.idle();
  // The record reads back (the canary is really stored), then the search while the database is open.
  expect(JSON.stringify(s.db.prepare('SELECT * FROM records').all())).toContain(CANARY);
  const openFiles = filesUnder(dataDir);
  const whileOpen = filesWithCanary(dataDir);
  s.close();
  return { dataDir, openFiles, whileOpen, afterClose: filesWithCanary(dataDir) };
}

describe('the device database is encrypted at rest', () => {
  it('a canary typed into a capture is in no file of the data directory', async () => {
    const r = await captureCanary(undefined);
    expect(dbFileKind(join(r.dataDir, 'maestro.db'))).toBe('encrypted');
    // The WAL and SHM were there to search while the database was open.
    expect(r.openFiles.filter((f) => /maestro\.db-(wal|shm)$/.test(f))).toHaveLength(2);
    expect(r.whileOpen).toEqual([]);
    expect(r.afterClose).toEqual([]);
  }, 60_000);

  it('the same search finds the canary when the database is not encrypted (the test can fail)', async () => {
    const r = await captureCanary(null);
    expect(dbFileKind(join(r.dataDir, 'maestro.db'))).toBe('plaintext');
    expect(r.whileOpen.length + r.afterClose.length).toBeGreaterThan(0);
    expect([...r.whileOpen, ...r.afterClose].every((f) => /maestro\.db(-wal)?$/.test(f))).toBe(true);
  }, 60_000);
});
