import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONTRACTS_DIR, DEFAULT_PORT, formatOrigin, loadConfig } from './config';

describe('loadConfig', () => {
  it('uses loopback, 8787, ./.data/server/maestro-server.db, the repo contracts and 50/s burst 100 by default', () => {
    expect(loadConfig({}, '/srv/app')).toEqual({
      dbPath: '/srv/app/.data/server/maestro-server.db',
      host: '127.0.0.1',
      port: DEFAULT_PORT,
      contractsDir: DEFAULT_CONTRACTS_DIR,
      bundlesDir: '/srv/app/.data/server/bundles',
      rateLimit: { perSecond: 50, burst: 100 },
      attachmentsDir: '/srv/app/.data/server/attachments',
      attachmentQuotaBytes: 20 * 1024 ** 3,
      maxAttachmentBytes: 256 * 1024 ** 2,
    });
    expect(DEFAULT_CONTRACTS_DIR).toMatch(/resources\/contracts$/);
  });

  it('reads MAESTRO_SERVER_* and DATABASE_URL overrides', () => {
    const cfg = loadConfig(
      {
        MAESTRO_SERVER_DB: 'db/x.db',
        MAESTRO_SERVER_HOST: '0.0.0.0',
        MAESTRO_SERVER_PORT: '0',
        DATABASE_URL: 'postgres://u@h/db',
        MAESTRO_SERVER_KEY_FILE: 'keys/k.pem',
        MAESTRO_SERVER_CONTRACTS_DIR: 'c',
        MAESTRO_SERVER_BUNDLES_DIR: 'b',
        MAESTRO_SERVER_RATE_PER_SEC: '5',
        MAESTRO_SERVER_RATE_BURST: '7',
        MAESTRO_SERVER_ATTACHMENTS_DIR: 'att',
        MAESTRO_SERVER_ATTACHMENT_QUOTA_BYTES: '1000000',
        MAESTRO_SERVER_MAX_ATTACHMENT_BYTES: '5000000',
      },
      '/srv/app',
    );
    expect(cfg).toEqual({
      dbPath: '/srv/app/db/x.db',
      host: '0.0.0.0',
      port: 0,
      databaseUrl: 'postgres://u@h/db',
      keyFile: '/srv/app/keys/k.pem',
      contractsDir: '/srv/app/c',
      bundlesDir: '/srv/app/b',
      rateLimit: { perSecond: 5, burst: 7 },
      attachmentsDir: '/srv/app/att',
      attachmentQuotaBytes: 1000000,
      maxAttachmentBytes: 5000000,
    });
  });

  it.each(['abc', '-1', '65536', '80.5', '1e3'])('rejects port %s', (p) => {
    expect(() => loadConfig({ MAESTRO_SERVER_PORT: p })).toThrow(ConfigError);
  });

  it.each(['0', '-3', 'x'])('rejects rate limit %s', (v) => {
    expect(() => loadConfig({ MAESTRO_SERVER_RATE_PER_SEC: v })).toThrow(ConfigError);
    expect(() => loadConfig({ MAESTRO_SERVER_RATE_BURST: v })).toThrow(ConfigError);
  });

  it('brackets IPv6 hosts in origins', () => {
    expect(formatOrigin('127.0.0.1', 8787)).toBe('http://127.0.0.1:8787');
    expect(formatOrigin('::1', 80)).toBe('http://[::1]:80');
  });
});
