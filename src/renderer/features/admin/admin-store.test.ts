import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls: { ch: string; input: unknown }[] = [];
vi.mock('../../api/client', () => ({
  call: (ch: string, input: unknown) => {
    calls.push({ ch, input });
    if (ch === 'admin.devices.list') return Promise.resolve({ devices: [], total: 0, nextCursor: null });
    return Promise.reject(new Error(`not needed here: ${ch}`));
  },
}));

const { useAdmin, ADMIN_DEFAULT_QUERY } = await import('./admin-store');

describe('admin board store', () => {
  beforeEach(() => {
    calls.length = 0;
  });

  it('asks for the worst devices first by default: days since last sync, longest first', async () => {
    expect(ADMIN_DEFAULT_QUERY).toEqual({ sort: 'daysOffline', dir: 'desc' });
    expect(useAdmin.getState().query).toEqual({ sort: 'daysOffline', dir: 'desc' });
    await useAdmin.getState().refresh();
    const list = calls.find((c) => c.ch === 'admin.devices.list');
    expect(list?.input).toMatchObject({ sort: 'daysOffline', dir: 'desc' });
  });
});
