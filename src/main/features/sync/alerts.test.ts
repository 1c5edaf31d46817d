// Alerts keep what happened as a message (decision 0030): the row holds it as JSON, the status lists
// it as the message, and a row written before messages (a plain sentence) is listed as it is.
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../platform/db/connection';
import { fixedClock, tempDir } from '../../platform/test-utils';
import { msg } from '../../../shared/messages';
import { withCause } from '../../../shared/error-messages';
import { SyncAlerts } from './alerts';
import { join } from 'node:path';

function setup() {
  const db = openDatabase(join(tempDir(), 'maestro.db'));
  const logged: Record<string, unknown>[] = [];
  const logger = { warn: (_m: string, f: Record<string, unknown>) => logged.push(f) } as never;
  return { db, logged, alerts: new SyncAlerts(db, fixedClock(), logger) };
}

describe('sync alerts', () => {
  it('stores the message as JSON, lists it as the message, and logs its code', () => {
    const { db, logged, alerts } = setup();
    const why = withCause(msg('alerts.bundle.update_failed', { name: 'maestro.policy', version: '2026.1.0' }), msg('refusals.bundle.BUNDLE_EXPIRED'));
    alerts.raise('BUNDLE_UPDATE_FAILED', why, 'maestro.policy');
    expect(db.prepare('SELECT message FROM alerts').pluck().get()).toBe(JSON.stringify(why));
    expect(alerts.open()).toEqual([
      { id: 1, at: expect.stringMatching(/^2026-11-01T08:00:0/), code: 'BUNDLE_UPDATE_FAILED', message: why, subject: 'maestro.policy' },
    ]);
    expect(logged[0]).toMatchObject({
      code: 'BUNDLE_UPDATE_FAILED',
      subject: 'maestro.policy',
      message: expect.stringMatching(/^alerts\.bundle\.update_failed \{/),
    });
    expect(alerts.isOpen('BUNDLE_UPDATE_FAILED', 'maestro.policy')).toBe(true);
    alerts.resolve('BUNDLE_UPDATE_FAILED');
    expect(alerts.open()).toEqual([]);
  });

  it('lists a row stored before messages with its sentence as it is', () => {
    const { db, alerts } = setup();
    db.prepare('INSERT INTO alerts (at, code, message, subject) VALUES (?, ?, ?, ?)').run(
      '2025-01-01T00:00:00.000Z',
      'SYNC_REFUSED',
      'Server refused this device: HTTP 401',
      '',
    );
    db.prepare('INSERT INTO alerts (at, code, message, subject) VALUES (?, ?, ?, ?)').run('2025-01-01T00:00:00.000Z', 'X', '{not json', '');
    expect(alerts.open().map((a) => a.message)).toEqual(['{not json', 'Server refused this device: HTTP 401']);
  });
});
