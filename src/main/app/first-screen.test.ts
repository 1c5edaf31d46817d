import { describe, expect, it } from 'vitest';
import { channelSchemas } from '../../shared/api/index';
import { compileSchema } from '../../shared/validation';
import { createActivity, FIRST_SCREEN_CHANNELS, precompileChannels } from './first-screen';

describe('first screen', () => {
  it('quiet() waits for a call to be answered and the API to go quiet', async () => {
    let t = 0;
    const a = createActivity(() => t);
    let done = false;
    void a.quiet({ quietMs: 300, maxMs: 10_000 }).then(() => (done = true));
    a.begin();
    t = 1000;
    await new Promise((r) => setTimeout(r, 120));
    expect(done).toBe(false); // a call in flight
    a.end();
    t = 1100;
    await new Promise((r) => setTimeout(r, 120));
    expect(done).toBe(false); // not quiet long enough yet
    t = 1400;
    await new Promise((r) => setTimeout(r, 120));
    expect(done).toBe(true);
  });

  it('quiet() gives up waiting after maxMs, and answers false once closed', async () => {
    let t = 0;
    const a = createActivity(() => t);
    const p = a.quiet({ maxMs: 500 });
    t = 600;
    await expect(p).resolves.toBe(true);
    const q = a.quiet({ maxMs: 60_000 });
    a.close();
    await expect(q).resolves.toBe(false);
  });

  it('precompiles every channel validator into the cache the dispatcher uses', async () => {
    const n = await precompileChannels(
      () => true,
      (c, e) => {
        throw new Error(`${c}: ${e.message}`);
      },
    );
    expect(n).toBe(Object.keys(channelSchemas).length * 2);
    const s = channelSchemas['system.info'];
    // Cached: the same function object comes back.
    expect(compileSchema(s.res)).toBe(compileSchema(s.res));
  }, 120_000);

  it('compiles only the channels it is given (the first screen ones first), each known to the API table', async () => {
    for (const c of FIRST_SCREEN_CHANNELS) expect(Object.keys(channelSchemas)).toContain(c);
    const n = await precompileChannels(
      () => true,
      (c, e) => {
        throw new Error(`${c}: ${e.message}`);
      },
      FIRST_SCREEN_CHANNELS,
    );
    expect(n).toBe(FIRST_SCREEN_CHANNELS.length * 2);
  });

  it('stops when the app closes', async () => {
    expect(
      await precompileChannels(
        () => false,
        () => undefined,
      ),
    ).toBe(0);
  });
});
