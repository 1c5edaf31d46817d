import { describe, expect, it } from 'vitest';
import { createDispatcher } from './dispatch';
import { buildHandlers } from './handlers';
import { channelNames, channelSchemas } from '../../shared/api/index';
import { compileSchema } from '../../shared/validation';
import { makeServices, tempDir, dbFingerprint } from '../platform/test-utils';

function setup() {
  const dataDir = tempDir();
  const s = makeServices({ dataDir });
  return { s, dataDir, d: createDispatcher(s) };
}

describe('API table', () => {
  it('every channel has a handler and compilable request/response schemas', () => {
    expect(Object.keys(buildHandlers(makeServices())).sort()).toEqual([...channelNames].sort());
    for (const ch of channelNames) {
      expect(() => compileSchema(channelSchemas[ch].req)).not.toThrow();
      expect(() => compileSchema(channelSchemas[ch].res)).not.toThrow();
    }
  });
});

describe('dispatcher', () => {
  it('runs the first-run flow and appends notes as the local profile', async () => {
    const { d } = setup();
    expect(await d('profile.get', {})).toEqual({ ok: true, data: { profile: null } });
    expect(await d('audit.append', { note: 'before setup' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const p = await d('profile.setup', { name: 'Ada', tenant: 'acme' });
    expect(p).toMatchObject({ ok: true, data: { profile: { name: 'Ada', tenant: 'acme', role: 'field' } } });
    expect(await d('profile.setup', { name: 'Eve', tenant: 'acme' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const r = await d('audit.append', { note: 'site visited', subject: 'site-7' });
    expect(r.ok).toBe(true);
    const entry = (r as { data: { entry: { actor: string; action: string; payload: unknown } } }).data.entry;
    const id = (p as { data: { profile: { id: string } } }).data.profile.id;
    expect(entry).toMatchObject({ actor: `user:${id}`, action: 'note.added', payload: { note: 'site visited' } });
  });

  it('refuses text with a lone surrogate on every channel, and an explicit null body, with VALIDATION_ERROR (never INTERNAL)', async () => {
    const { dataDir, d } = setup();
    await d('profile.setup', { name: 'Ada', tenant: 'acme' });
    const before = dbFingerprint(dataDir);
    for (const [ch, input] of [
      ['admin.devices.get', { id: 'dev_\ud800' }],
      ['admin.devices.act', { id: '\udc00', action: 'block', reason: 'x' }],
      ['audit.append', { note: 'a\ud800b' }],
      ['audit.append', { ['k\ud800']: 1 }],
      ['memory.search', { query: '\udfff' }],
    ] as const) {
      const r = await d(ch, input);
      expect({ ch, r }).toMatchObject({ ch, r: { ok: false, error: { code: 'VALIDATION_ERROR' } } });
    }
    expect(await d('profile.get', null)).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(await d('audit.append', null)).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(dbFingerprint(dataDir)).toEqual(before);
    // A pair is fine: only the lone half is refused.
    expect((await d('audit.append', { note: 'emoji \ud83d\ude00' })).ok).toBe(true);
  });

  it('refuses a caller-supplied actor or action', async () => {
    const { d } = setup();
    await d('profile.setup', { name: 'Ada', tenant: 'acme' });
    const r = await d('audit.append', { note: 'x', actor: 'user:admin' });
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(JSON.stringify(r)).toContain('additionalProperties');
    expect(await d('audit.append', { note: 'x', action: 'policy.approved' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
  });

  it.each([
    ['unknown channel', 'audit.drop', {}, 'NOT_FOUND'],
    ['prototype key as channel', '__proto__', {}, 'NOT_FOUND'],
    ['wrong type', 'audit.list', { limit: 'ten' }, 'VALIDATION_ERROR'],
    ['out of range', 'audit.list', { limit: 100000 }, 'VALIDATION_ERROR'],
    ['bad timestamp', 'audit.list', { fromTs: 'yesterday' }, 'VALIDATION_ERROR'],
    ['array body', 'audit.list', [], 'VALIDATION_ERROR'],
    ['blank note', 'audit.append', { note: '   ' }, 'VALIDATION_ERROR'],
    ['huge note', 'audit.append', { note: 'x'.repeat(5000) }, 'VALIDATION_ERROR'],
    ['lone surrogate note', 'audit.append', { note: 'bad \ud800' }, 'VALIDATION_ERROR'],
    ['missing record', 'audit.get', { seq: 999 }, 'NOT_FOUND'],
    ['bad tenant', 'profile.setup', { name: 'A', tenant: 'Has Spaces' }, 'VALIDATION_ERROR'],
  ])('%s gets its structured error and changes nothing', async (_n, ch, input, code) => {
    const { s, d, dataDir } = setup();
    if (ch !== 'profile.setup') await d('profile.setup', { name: 'Ada', tenant: 'acme' });
    const count = s.audit.store.count();
    const before = dbFingerprint(dataDir);
    const r = await d(ch, input);
    expect(r).toMatchObject({ ok: false, error: { code } });
    if (!r.ok) expect(typeof r.error.message).toBe('string');
    expect(s.audit.store.count()).toBe(count);
    expect(dbFingerprint(dataDir)).toBe(before);
  });

  it('turns unexpected failures into INTERNAL without a stack', async () => {
    const s = makeServices();
    const d = createDispatcher(s, {
      ...buildHandlers(s),
      'system.info': () => {
        throw new Error('secret path /home/x at line 3');
      },
    });
    const r = await d('system.info', {});
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Internal error' } });
  });

  it('refuses a handler response that is off-schema', async () => {
    const s = makeServices();
    const d = createDispatcher(s, { ...buildHandlers(s), 'system.info': () => ({ version: 1 }) as never });
    expect(await d('system.info', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
