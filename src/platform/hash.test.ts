import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Bytes, sha256Hex } from './hash';

describe('sha256', () => {
  it('hashes strings as UTF-8 and bytes as they are', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('é')).toBe(createHash('sha256').update('é', 'utf8').digest('hex'));
    expect(
      sha256Bytes(Buffer.from([1, 2])).equals(
        createHash('sha256')
          .update(Buffer.from([1, 2]))
          .digest(),
      ),
    ).toBe(true);
  });
});
