import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_PORT, formatOrigin, loadConfig } from './config';

describe('loadConfig', () => {
  it('uses loopback, 8787 and ./.data/server/maestro-server.db by default', () => {
    expect(loadConfig({}, '/srv/app')).toEqual({
      dbPath: '/srv/app/.data/server/maestro-server.db',
      host: '127.0.0.1',
      port: DEFAULT_PORT,
    });
  });

  it('reads MAESTRO_SERVER_* overrides', () => {
    const cfg = loadConfig(
      { MAESTRO_SERVER_DB: 'db/x.db', MAESTRO_SERVER_HOST: '0.0.0.0', MAESTRO_SERVER_PORT: '0' },
      '/srv/app',
    );
    expect(cfg).toEqual({ dbPath: '/srv/app/db/x.db', host: '0.0.0.0', port: 0 });
  });

  it.each(['abc', '-1', '65536', '80.5', '1e3'])('rejects port %s', (p) => {
    expect(() => loadConfig({ MAESTRO_SERVER_PORT: p })).toThrow(ConfigError);
  });

  it('brackets IPv6 hosts in origins', () => {
    expect(formatOrigin('127.0.0.1', 8787)).toBe('http://127.0.0.1:8787');
    expect(formatOrigin('::1', 80)).toBe('http://[::1]:80');
  });
});
