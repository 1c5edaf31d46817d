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
    expect(parseCommand(['revoke-device', '--device', 'dev_x'])).toEqual({ name: 'revoke-device', device: 'dev_x', reason: null });
    expect(parseCommand(['revoke-device', '--device', 'dev_x', '--reason', 'Lost'])).toEqual({ name: 'revoke-device', device: 'dev_x', reason: 'Lost' });
  });

  it('parses set-roles DEVICE ROLES --reason (roles in rank order, once each)', () => {
    expect(parseCommand(['set-roles', 'dev_x', 'admin,reviewer', '--reason', 'Site lead'])).toEqual({
      name: 'set-roles',
      device: 'dev_x',
      roles: ['reviewer', 'admin'],
      reason: 'Site lead',
    });
  });

  it.each([
    [['enroll-token', '--tenant', 'acme', '--user', 'u'], '--role is required'],
    [['enroll-token', '--tenant', 'acme', '--user', 'u', '--role', 'root'], '--role: must be equal to one of the allowed values'],
    [['enroll-token', '--tenant', 'Acme!', '--user', 'u', '--role', 'field'], '--tenant: must match pattern'],
    [['enroll-token', '--tenant', 'acme', '--user', 'u', '--role', 'field', '--ttl-hours', '9999'], '--ttl-hours: must be <= 720'],
    [['enroll-token', '--tenant', 'acme', '--user', 'u', '--role', 'field', '--ttl-hours', 'soon'], '--ttl-hours: must be integer'],
    [['revoke-device'], '--device is required'],
    [['revoke-device', '--device', 'd', 'extra'], 'Unexpected argument'],
    [['set-roles', 'dev_x', 'reviewer'], '--reason is required'],
    [['set-roles', 'dev_x', '--reason', 'r'], 'set-roles takes a device id and a comma-separated list of roles'],
    [['set-roles', 'dev_x', 'boss', '--reason', 'r'], 'roles: must be equal to one of the allowed values'],
    [['set-roles', 'dev_x', 'field,field', '--reason', 'r'], 'roles: must NOT have duplicate items'],
    [['set-roles', 'dev_x', 'field', '--reason', ''], '--reason: must NOT have fewer than 1 characters'],
    [['wat'], 'unknown command wat'],
  ])('%j → UsageError %s', (args, msg) => {
    expect(() => parseCommand(args)).toThrow(UsageError);
    expect(() => parseCommand(args)).toThrow(msg);
  });
});
