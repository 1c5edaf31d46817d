import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { syncItemSchema } from '../../shared/sync/schemas';
import { compileSchema } from '../../shared/validation';
import { registryFromRows } from '../contracts';
import { makeItem } from '../testing/device-client';
import { checkItem, findPlaintextField, serverItemSchema } from './items';

const contracts = registryFromRows([{ name: 'field.inspect.site', version: '1.2.0', major: 1, minor: 2, patch: 0, breaking: false, registeredAt: 'x' }]);

describe('checkItem', () => {
  it('accepts what syncItemSchema accepts, and refuses every ciphertext the dropped pattern would refuse', () => {
    const good = makeItem();
    expect(compileSchema(syncItemSchema)(good)).toBe(true);
    expect(checkItem(good, contracts).ok).toBe(true);
    const bytes = randomBytes(30);
    for (const ciphertext of ['a!b=', 'ab c', 'Zm9v\n', '====', 'Zm9=v', 'Zm8', 'Zm9v=', 'Zm8=\u00e9']) {
      const bad = { ...makeItem({ bytes }), ciphertext };
      const r = checkItem(bad, contracts);
      expect(r.ok, ciphertext).toBe(false);
      expect(r.ok ? null : r.result.error?.code).toBe('VALIDATION_ERROR');
    }
    // Canonical base64 always matches the shared schema's pattern.
    expect(serverItemSchema.properties.ciphertext).toEqual({ type: 'string', maxLength: syncItemSchema.properties.ciphertext.maxLength });
  });

  it('rejects a contentHash that is not the SHA-256 of the decoded ciphertext', () => {
    const r = checkItem(makeItem({ contentHash: 'a'.repeat(64) }), contracts);
    expect(r.ok ? null : r.result.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'content_hash' } });
  });
});

describe('findPlaintextField', () => {
  it('finds the first non-wire field and ignores non-objects', () => {
    expect(findPlaintextField([makeItem(), 'x', null, { ...makeItem(), data: 1 }])).toEqual({ index: 3, field: 'data' });
    expect(findPlaintextField([makeItem()])).toBeNull();
    expect(findPlaintextField('nope')).toBeNull();
  });
});
