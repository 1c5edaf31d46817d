// When the first screen is on: start-up work that no screen waits for (background re-verification of
// the bundles, the audit chain check, model loads and re-embedding, compiling the channels'
// validators) starts after it, so it does not compete with the first screen's calls for the CPU
// (issue 20). The dispatcher reports each call; `quiet()` resolves once a call has been answered and
// none has been in flight for a moment, or after `maxMs` when no window is opened at all.
import { channelSchemas } from '../../shared/api/index';
import { compileSchema } from '../../shared/validation';

export interface Activity {
  begin(): void;
  end(): void;
  /**
   * Resolves true when the first screen's calls are done (see above), at the latest after maxMs;
   * false once the app is closing (then nothing should start).
   */
  quiet(o?: { quietMs?: number; maxMs?: number }): Promise<boolean>;
  /** The app is closing: pending quiet() calls resolve false. */
  close(): void;
  readonly closed: boolean;
}

export function createActivity(now: () => number = () => performance.now()): Activity {
  let inFlight = 0;
  let answered = 0;
  let lastEnd = 0;
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    close: () => void (closed = true),
    begin: () => void inFlight++,
    end: () => {
      inFlight--;
      answered++;
      lastEnd = now();
    },
    quiet: ({ quietMs = 300, maxMs = 5000 } = {}) =>
      new Promise<boolean>((resolve) => {
        const start = now();
        const tick = setInterval(() => {
          const t = now();
          if (closed || t - start >= maxMs || (answered > 0 && inFlight === 0 && t - lastEnd >= quietMs)) {
            clearInterval(tick);
            resolve(!closed);
          }
        }, 50);
        tick.unref();
      }),
  };
}

/**
 * The channels the first screen calls (the Capture view and the navigation; traced in the web host
 * with Chromium). startBackground compiles their validators at once, while the window is still
 * loading and running its own code (a few hundred ms in which the main process is idle), so those
 * calls do not each pay their compile on the way to the first screen (~280 ms in all, issue 20).
 */
export const FIRST_SCREEN_CHANNELS = [
  'profile.get',
  'system.info',
  'sync.status',
  'policy.status',
  'updates.status',
  'contracts.list',
  'drafts.list',
  'workflows.list',
  'runs.list',
] as const;

/**
 * Compile every channel's request and response validator ahead of its first call, one schema per
 * turn of the event loop (setImmediate: requests that arrived meanwhile are answered between two
 * compiles). Without it, each channel's first call paid its compile (0.3–0.9 s for the big run and
 * card shapes) while a person waited. compileSchema caches per schema object, so the dispatcher
 * then finds them compiled; a channel called before its turn compiles itself, as before.
 */
export function precompileChannels(
  alive: () => boolean,
  onError: (channel: string, err: Error) => void,
  only: readonly string[] = Object.keys(channelSchemas),
): Promise<number> {
  const todo = only
    .map((name) => [name, channelSchemas[name as keyof typeof channelSchemas]] as const)
    .flatMap(([name, s]) => [
      [name, s.req],
      [name, s.res],
    ]) as [string, Record<string, unknown>][];
  let compiled = 0;
  return new Promise<number>((resolve) => {
    const next = () => {
      const item = todo.shift();
      if (!item || !alive()) return resolve(compiled);
      try {
        compileSchema(item[1]);
        compiled++;
      } catch (e) {
        onError(item[0], e as Error);
      }
      setImmediate(next);
    };
    setImmediate(next);
  });
}
