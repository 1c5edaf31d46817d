// The admin client reads the sync server's board replies: risk reasons are messages (decision 0030),
// and a server from before them sent English sentences, which the board still shows as they are.
import { describe, expect, it } from 'vitest';
import { makeServices, tempDir, unlockedVault } from '../../platform/test-utils';
import { writeSyncConfig } from '../../platform/device/sync-config';
import { deviceKeyName } from '../../platform/device/credential';
import { newKeyPair } from '../../../platform/ed25519';
import { msg } from '../../../shared/messages';
import type { FetchFn } from '../../platform/device/signed-fetch';

const view = (reasons: unknown[]) => ({
  id: 'dev_bo',
  user: 'bo@acme',
  name: 'Bo',
  tenant: 'acme',
  enrolledAt: '2026-09-01T08:00:00.000Z',
  lastSyncAt: '2026-09-05T08:00:00.000Z',
  daysOffline: 57,
  appVersion: '1.0.0',
  contractVersions: {},
  pendingCount: 3,
  deadLetterCount: 0,
  lastCheckpointSeq: 0,
  blocked: false,
  blockedAt: null,
  blockedReason: null,
  updateRequired: false,
  revoked: false,
  flagged: false,
  risk: { level: 'critical', reasons, allowedActions: ['read', 'capture', 'sync'] },
});

async function adminDevice(reply: unknown) {
  const dataDir = tempDir();
  const secrets = await unlockedVault(dataDir);
  const fetch = (async () => new Response(JSON.stringify(reply), { status: 200, headers: { 'content-type': 'application/json' } })) as FetchFn;
  const s = makeServices({ dataDir, secrets, fetch });
  s.profile.setup({ name: 'Erin', tenant: 'acme' });
  writeSyncConfig(s.db, {
    serverUrl: 'http://127.0.0.1:1/',
    deviceId: 'dev_erin',
    tenant: 'acme',
    user: 'erin',
    roles: ['admin'],
    serverKeyId: 'k',
    serverPublicKey: 'A'.repeat(43) + '=',
    enrolledAt: '2026-09-01T08:00:00.000Z',
    contracts: {},
  });
  await secrets.set(deviceKeyName('dev_erin'), newKeyPair().privatePem);
  return s;
}

describe('admin client: risk reasons from the server', () => {
  it('takes reasons as messages from a current server', async () => {
    const reason = msg('risk.last_sync_over', { days: 57, limit: 30 });
    const s = await adminDevice({ devices: [view([reason])], total: 1, nextCursor: null });
    expect((await s.admin.listDevices({})).devices[0]!.risk.reasons).toEqual([reason]);
    s.close();
  });

  it('shows the sentences of a server from before messages as they are (risk.text)', async () => {
    const s = await adminDevice({ device: view(['Last sync 57 days ago (more than 30)']), snapshots: [] });
    expect((await s.admin.device('dev_bo')).device.risk.reasons).toEqual([msg('risk.text', { text: 'Last sync 57 days ago (more than 30)' })]);
    s.close();
  });

  it('refuses a reply whose reasons are neither', async () => {
    const s = await adminDevice({ devices: [view([42])], total: 1, nextCursor: null });
    await expect(s.admin.listDevices({})).rejects.toMatchObject({ code: 'INTERNAL', details: { reason: 'bad_reply' } });
    s.close();
  });
});
