import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { hash } from 'node:crypto';
import { makeServices, tempDir } from '../../platform/test-utils';
describe('putStream', () => {
  it('stores a stream and refuses a wrong digest', async () => {
    const s = makeServices({ dataDir: tempDir() });
    const bytes = Buffer.alloc(3_000_000, 7);
    const r = await s.capture.attachments.putStream(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), {
      name: 'a.bin',
      mime: 'application/octet-stream',
      nowIso: new Date().toISOString(),
    });
    expect(r.hash).toBe(hash('sha256', bytes, 'hex'));
    expect(s.capture.attachments.stat(r.hash)).toMatchObject({ size: 3_000_000 });
    await expect(
      s.capture.attachments.putStream(Readable.from([Buffer.from('x')]), { name: 'b', mime: 'x/y', nowIso: 'now' }, { expectedHash: r.hash }),
    ).rejects.toThrow(/mismatch/);
    await expect(s.capture.attachments.putStream(Readable.from([bytes]), { name: 'b', mime: 'x/y', nowIso: 'now' }, { maxBytes: 10 })).rejects.toThrow(
      /larger/,
    );
    const chunks: Buffer[] = [];
    for await (const c of s.capture.attachments.openRead(r.hash, 2_999_990)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).length).toBe(10);
    s.close();
  });
});
