import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { hash } from 'node:crypto';
import { createDispatcher } from '../../app/dispatch';
import { makeServices, tempDir, dbFingerprint } from '../../platform/test-utils';
import { ContractRegistry } from '../contracts/contract-loader';
import { DEFAULT_RESOURCES_DIR } from '../../app/services';
import { openDatabase } from '../../platform/db/connection';
import { ApiError } from '../../../shared/errors';

const SITE = 'field.inspect.site@1.2.0';
const validSite = (extra: Record<string, unknown> = {}) => ({
  siteId: 'PS-7',
  inspectedAt: '2026-11-20',
  location: { lat: 52.1, lon: 4.3 },
  condition: 'fair',
  inspector: { name: 'Ada Field' },
  readings: [{ meter: 'flow', value: 41.7, unit: 'm3/h' }],
  ...extra,
});

async function setup() {
  const dataDir = tempDir();
  const s = makeServices({ dataDir });
  const d = createDispatcher(s);
  await d('profile.setup', { name: 'Ada', tenant: 'acme' });
  return { s, d, dataDir };
}

describe('contracts', () => {
  it('ships a realistic sample set that compiles', () => {
    const reg = ContractRegistry.fromDir(join(DEFAULT_RESOURCES_DIR, 'contracts'));
    const refs = reg.list().map((c) => c.contract);
    expect(refs).toEqual(expect.arrayContaining([SITE, 'lab.record.specimen@2.0.1']));
    expect(() => reg.validate(SITE, validSite())).not.toThrow();
    expect(() => reg.validate(SITE, validSite({ condition: 'great' }))).toThrow(/does not satisfy/);
  });

  it('refuses a malformed contract document at load', () => {
    const reg = new ContractRegistry();
    expect(() => reg.load({ contract: 'nope', title: 't' }, 'bad.json')).toThrow(/bad.json/);
    expect(() =>
      reg.load(
        {
          contract: 'a.b.c@1.0.0',
          title: 't',
          kind: 'capture',
          permission: 'p',
          pii: [],
          riskHints: {},
          schema: { type: 'object', properties: { x: { type: 'nonsense' } } },
        },
        'x.json',
      ),
    ).toThrow(/does not compile|schema/);
  });

  it('refuses bad translations at load with the places they are wrong at', () => {
    const reg = new ContractRegistry();
    const doc = (schema: Record<string, unknown>) => ({
      contract: 'a.b.c@1.0.0',
      title: 't',
      kind: 'capture',
      permission: 'p',
      pii: [],
      riskHints: {},
      schema,
    });
    const bad = doc({
      type: 'object',
      properties: {
        c: { type: 'string', enum: ['x'], 'x-maestro-i18n': { sv: { title: 7, enum: { y: 'Y' } }, Swedish: { title: 'T' } } },
        d: { type: 'string', 'x-maestro-locale': 'sv' },
      },
    });
    let err: unknown;
    try {
      reg.load(bad, 'bad.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('bad.json') });
    const details = (err as ApiError).details as { path: string; keyword: string }[];
    expect(details.map((x) => `${x.path} ${x.keyword}`)).toEqual(
      expect.arrayContaining([
        '/properties/c/x-maestro-i18n/sv/title type',
        '/properties/c/x-maestro-i18n propertyNames',
        '/properties/d/x-maestro-locale x-maestro-locale',
      ]),
    );
    // an enum label for a value the enum lacks (the shape is right)
    const stray = doc({ type: 'object', properties: { c: { type: 'string', enum: ['x'], 'x-maestro-i18n': { sv: { enum: { y: 'Y' } } } } } });
    expect(() => reg.load(stray, 'stray.json')).toThrow(ApiError);
    expect(reg.has('a.b.c@1.0.0')).toBe(false);
    const good = doc({
      type: 'object',
      'x-maestro-locale': 'en',
      properties: { c: { type: 'string', enum: ['x'], 'x-maestro-i18n': { sv: { title: 'C', enum: { x: 'X' } } } } },
    });
    expect(() => reg.load(good, 'good.json')).not.toThrow();
  });
});

describe('the locale a record was captured in', () => {
  it('is stored with the record, shown in the records view, and defaults to en', async () => {
    const { s, d } = await setup();
    const sv = (await d('capture.submit', { contract: SITE, data: validSite(), locale: 'sv' })) as { ok: true; data: { recordId: string } };
    const plain = s.capture.submit({ contract: SITE, data: validSite() });
    expect(s.capture.getRecord(sv.data.recordId)?.locale).toBe('sv');
    expect(s.capture.getRecord(plain.recordId)?.locale).toBe('en');
    expect(s.capture.listRecords(10).map((r) => [r.id, r.locale])).toEqual([
      [plain.recordId, 'en'],
      [sv.data.recordId, 'sv'],
    ]);
    const listed = (await d('records.list', {})) as { ok: true; data: { records: { locale: string }[] } };
    expect(listed.data.records.map((r) => r.locale)).toEqual(['en', 'sv']);
  });

  it('must look like a locale tag', async () => {
    const { s, d } = await setup();
    for (const locale of ['Swedish', 'sv_SE', '', 'x'.repeat(40)]) {
      expect(await d('capture.submit', { contract: SITE, data: validSite(), locale })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    }
    expect(await d('capture.submit', { contract: SITE, data: validSite(), locale: 'pt-BR' })).toMatchObject({ ok: true });
    expect(s.capture.listRecords(10)).toHaveLength(1);
  });

  it('records from before the migration read as English', () => {
    const path = join(tempDir(), 'm16.db');
    const db15 = openDatabase(path, { targetVersion: 15 });
    db15.prepare("INSERT INTO audit_log (seq, ts, actor, action, payload, prev_hash, hash) VALUES (1, 't', 'a', 'x', '{}', 'p', 'h')").run();
    db15.prepare("INSERT INTO records (id, contract, data, created_at, audit_seq) VALUES ('r1', 'c@1.0.0', '{}', 't', 1)").run();
    db15.close();
    const db = openDatabase(path, { targetVersion: 16 });
    expect(db.prepare('SELECT locale FROM records WHERE id = ?').pluck().get('r1')).toBe('en');
    db.close();
  });
});

describe('capture', () => {
  it('drafts autosave and survive a restart', async () => {
    const { s, d, dataDir } = await setup();
    const saved = (await d('drafts.save', { contract: SITE, data: { siteId: 'PS-7' } })) as { ok: true; data: { draft: { id: string } } };
    expect(saved.ok).toBe(true);
    const id = saved.data.draft.id;
    await d('drafts.save', { id, contract: SITE, data: { siteId: 'PS-7', condition: 'poor' } });
    s.close();
    const s2 = makeServices({ dataDir });
    expect(s2.capture.getDraft(id).data).toEqual({ siteId: 'PS-7', condition: 'poor' });
  });

  it('drafts.list pages newest edit first, every draft once, never more than the limit', async () => {
    const { s, d } = await setup();
    const ids = Array.from({ length: 7 }, () => s.capture.saveDraft({ contract: SITE, data: {} }).id);
    // Same-millisecond edits are likely: the id breaks ties, so no draft is skipped or repeated.
    const seen: string[] = [];
    let before: unknown;
    for (let page = 0; page < 10; page++) {
      const r = (await d('drafts.list', { limit: 3, ...(before ? { before } : {}) })) as { ok: true; data: { drafts: { id: string }[]; next: unknown } };
      expect(r.ok).toBe(true);
      expect(r.data.drafts.length).toBeLessThanOrEqual(3);
      seen.push(...r.data.drafts.map((x) => x.id));
      before = r.data.next;
      if (!before) break;
    }
    expect(seen).toEqual(s.capture.listDrafts().map((x) => x.id));
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it('submit writes record, audit entry and outbox item in one transaction and removes the draft', async () => {
    const { s, d } = await setup();
    const draft = s.capture.saveDraft({ contract: SITE, data: {} });
    const r = await d('capture.submit', { contract: SITE, data: validSite(), draftId: draft.id });
    expect(r.ok).toBe(true);
    const { recordId, outboxId } = (r as { data: { recordId: string; outboxId: string } }).data;
    const entry = s.audit.list({ limit: 1 }).entries[0]!;
    expect(entry).toMatchObject({ action: 'record.captured', subject: recordId });
    expect(JSON.stringify(entry.payload)).not.toContain('Ada Field'); // a digest, not the PII
    const item = s.outbox.row(outboxId);
    expect(item).toMatchObject({ state: 'queued', record_id: recordId, attempts: 0, ciphertext: null });
    expect(item.idempotency_key).toMatch(/^[0-9a-f]{64}$/);
    expect(s.capture.listDrafts()).toEqual([]);
    expect(s.audit.verify().valid).toBe(true);
  });

  it('invalid data is refused with field-level details and changes nothing', async () => {
    const { s, d, dataDir } = await setup();
    const before = dbFingerprint(dataDir);
    const r = await d('capture.submit', { contract: SITE, data: validSite({ location: { lat: 123, lon: 4 }, condition: 'great' }) });
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    const paths = (r as { error: { details: { path: string }[] } }).error.details.map((x) => x.path);
    expect(paths).toEqual(expect.arrayContaining(['/location/lat', '/condition']));
    expect(dbFingerprint(dataDir)).toBe(before);
    expect(s.outbox.counts().queued).toBe(0);
  });

  it('attachments are content-addressed and travel as their own outbox item, once', async () => {
    const { s, d, dataDir } = await setup();
    const bytes = Buffer.from('fake-jpeg-bytes');
    const put = (await d('attachments.put', { name: 'valve.jpg', mime: 'image/jpeg', dataBase64: bytes.toString('base64') })) as {
      ok: true;
      data: { hash: string; ref: string };
    };
    expect(put.data.hash).toBe(hash('sha256', bytes, 'hex'));
    // Sealed at rest: the file on disk is not the plaintext, which reads back whole.
    expect(readFileSync(join(dataDir, 'attachments', put.data.hash)).includes(bytes)).toBe(false);
    expect(s.capture.attachments.read(put.data.hash).bytes.equals(bytes)).toBe(true);
    await d('capture.submit', { contract: SITE, data: validSite({ photos: [put.data.ref] }) });
    await d('capture.submit', { contract: SITE, data: validSite({ photos: [put.data.ref] }) });
    expect(s.outbox.counts().queued).toBe(3);
    const missing = await d('capture.submit', { contract: SITE, data: validSite({ photos: [`sha256:${'a'.repeat(64)}`] }) });
    expect(missing).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(existsSync(join(dataDir, 'attachments', 'a'.repeat(64)))).toBe(false);
  });

  it('capturing needs no network and no unlocked key store', async () => {
    const dataDir = tempDir();
    const { VaultStore } = await import('../../platform/keys/index');
    const s = makeServices({ dataDir, secrets: new VaultStore(dataDir), fetch: () => Promise.reject(new Error('no network')) });
    s.profile.setup({ name: 'Ada', tenant: 'acme' });
    expect(s.capture.submit({ contract: SITE, data: validSite() }).outboxId).toBeTruthy();
  });
});
