import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from './cli';

describe('parseCommand', () => {
  it('parses enroll-token with an optional TTL, and revoke-device', () => {
    expect(parseCommand(['enroll-token', '--tenant', 'acme', '--user', 'Ana B', '--role', 'admin', '--ttl-hours', '12'])).toEqual({
      name: 'enroll-token',
      request: { tenant: 'acme', user: 'Ana B', role: 'admin', ttlHours: 12 },
    });
    expect(parseCommand(['enroll-token', '--tenant', 'acme', '--user', 'u', '--role', 'field'])).toEqual({
      name: 'enroll-token',
      request: { tenant: 'acme', user: 'u', role: 'field' },
    });
    expect(parseCommand(['revoke-device', '--device', 'dev_x'])).toEqual({ name: 'revoke-device', device: 'dev_x' });
  });

  it.each([
    [['enroll-token', '--tenant', 'acme', '--user', 'u'], '--role is required'],
    [['enroll-token', '--tenant', 'acme', '--user', 'u', '--role', 'root'], '--role: must be equal to one of the allowed values'],
    [['enroll-token', '--tenant', 'Acme!', '--user', 'u', '--role', 'field'], '--tenant: must match pattern'],
    [['enroll-token', '--tenant', 'acme', '--user', 'u', '--role', 'field', '--ttl-hours', '9999'], '--ttl-hours: must be <= 720'],
    [['enroll-token', '--tenant', 'acme', '--user', 'u', '--role', 'field', '--ttl-hours', 'soon'], '--ttl-hours: must be integer'],
    [['revoke-device'], '--device is required'],
    [['revoke-device', '--device', 'd', 'extra'], 'Unexpected argument'],
    [['wat'], 'unknown command wat'],
  ])('%j → UsageError %s', (args, msg) => {
    expect(() => parseCommand(args)).toThrow(UsageError);
    expect(() => parseCommand(args)).toThrow(msg);
  });
});
