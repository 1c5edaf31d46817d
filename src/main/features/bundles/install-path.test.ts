import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeServices, tempDir } from '../../platform/test-utils';
import { createDispatcher } from '../../app/dispatch';

describe('bundles.install from a path', () => {
  it('says there is no folder, or that it is a file, instead of a missing-metadata refusal', async () => {
    const dir = tempDir();
    const s = makeServices({ dataDir: dir });
    const d = createDispatcher(s);
    const missing = join(dir, 'no-such-bundle');
    expect(await d('bundles.install', { source: { kind: 'path', path: missing } })).toEqual({
      ok: false,
      error: {
        code: 'NOT_FOUND',
        message: `There is no folder at ${missing}. Choose the folder of a sealed bundle (it holds metadata/ and targets/).`,
        details: { reason: 'no_such_folder', path: missing },
      },
    });
    const file = join(dir, 'a-file.txt');
    writeFileSync(file, 'x');
    expect(await d('bundles.install', { source: { kind: 'path', path: file } })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_ERROR', details: { reason: 'not_a_folder' } },
    });
    s.close();
  });
});
