// The notification choices: per profile in local storage, the delay kept within bounds, and
// permission asked only when a kind is switched on while undecided (a click) or from the button.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SYNC_DELAY_MIN, useNotifyPrefs } from './prefs';

const store = new Map<string, string>();
const fakeStorage = {
  getItem: (k: string) => store.get(k) ?? null,
  setItem: (k: string, v: string) => void store.set(k, v),
};
const Notification = { permission: 'default' as NotificationPermission, requestPermission: vi.fn(async () => 'granted' as NotificationPermission) };

beforeAll(() => {
  vi.stubGlobal('localStorage', fakeStorage);
  vi.stubGlobal('Notification', Notification);
});
afterAll(() => vi.unstubAllGlobals());
beforeEach(() => {
  store.clear();
  Notification.permission = 'default';
  Notification.requestPermission.mockClear();
});

describe('notification choices', () => {
  it('are remembered per profile; a new profile has every kind on and a 30-minute delay', () => {
    const p = useNotifyPrefs.getState();
    p.forProfile('prof_a');
    Notification.permission = 'granted';
    useNotifyPrefs.getState().setKind('runFinished', false);
    useNotifyPrefs.getState().setDelay(3);
    expect(useNotifyPrefs.getState()).toMatchObject({ off: ['runFinished'], syncDelayMin: 5 });
    useNotifyPrefs.getState().setDelay(90);
    useNotifyPrefs.getState().forProfile('prof_b');
    expect(useNotifyPrefs.getState()).toMatchObject({ off: [], syncDelayMin: DEFAULT_SYNC_DELAY_MIN, permission: 'granted' });
    useNotifyPrefs.getState().forProfile('prof_a');
    expect(useNotifyPrefs.getState()).toMatchObject({ off: ['runFinished'], syncDelayMin: 90 });
    store.set('maestro.notifications.prof_c', '{"off":["nope","deviceBlocked"],"syncDelayMin":99999}');
    useNotifyPrefs.getState().forProfile('prof_c');
    expect(useNotifyPrefs.getState()).toMatchObject({ off: ['deviceBlocked'], syncDelayMin: 1440 });
  });

  it('asks for permission only when a kind is switched on while undecided, or from the button', async () => {
    useNotifyPrefs.getState().forProfile('prof_d');
    expect(Notification.requestPermission).not.toHaveBeenCalled();
    useNotifyPrefs.getState().setKind('runWaiting', false);
    expect(Notification.requestPermission).not.toHaveBeenCalled();
    useNotifyPrefs.getState().setKind('runWaiting', true);
    expect(Notification.requestPermission).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(useNotifyPrefs.getState().permission).toBe('granted'));
    useNotifyPrefs.getState().setKind('runWaiting', true);
    expect(Notification.requestPermission).toHaveBeenCalledTimes(1);
    Notification.permission = 'denied';
    useNotifyPrefs.getState().refreshPermission();
    Notification.requestPermission.mockResolvedValueOnce('denied');
    expect(await useNotifyPrefs.getState().askPermission()).toBe('denied');
  });
});
