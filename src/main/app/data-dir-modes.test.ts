// A lost laptop's other accounts (and anything running as them) cannot read the device's data: the
// data folder is 0700, the database and its WAL 0600, every attachment file 0600, whatever the umask.
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeServices, tempDir } from '../platform/test-utils';
import { DB_FILE } from './deps';

const mode = (p: string) => statSync(p).mode & 0o777;
const umask = process.umask(0o022);
afterAll(() => void process.umask(umask));

describe('data folder modes', () => {
  it('creates the folder 0700 and the database, WAL and attachment files 0600', () => {
    const dir = tempDir('maestro-modes-');
    chmodSync(dir, 0o755); // as a folder made by someone else (or by an older version) would be
    const s = makeServices({ dataDir: dir });
    s.profile.setup({ name: 'Ada', tenant: 'acme' });
    const put = s.capture.attachments.put(Buffer.from('photo bytes'), 'valve.jpg', 'image/jpeg', new Date().toISOString());
    expect(mode(dir)).toBe(0o700);
    for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`]) expect([f, mode(join(dir, f))]).toEqual([f, 0o600]);
    const files = readdirSync(join(dir, 'attachments'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const e of files) expect([e.name, mode(join(e.parentPath, e.name))]).toEqual([e.name, 0o600]);
    expect(put.hash).toMatch(/^[0-9a-f]{64}$/);
    s.close();
  });
});
