// system.*: channels no feature owns (what the app is, how its services are doing).
import type { HandlersFor, SystemInfo } from '../../shared/api/index';
import type { systemChannels } from '../../shared/api/system';
import type { HealthRegistry } from '../platform/health';
import type { Clock } from '../platform/util/clock';

export interface SystemApiDeps {
  info: SystemInfo;
  health: HealthRegistry;
  clock: Clock;
}

export function systemApi(d: SystemApiDeps): HandlersFor<typeof systemChannels> {
  return {
    'system.info': () => d.info,
    'system.health': () => d.health.run(d.clock.now().toISOString()),
    // The app is open: nothing to unlock (a locked start is answered by ./unlock-gate.ts).
    'system.unlock': () => ({ unlocked: true as const }),
  };
}
