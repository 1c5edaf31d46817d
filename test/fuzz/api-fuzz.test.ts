// The short fuzz pass of `npm test` (the long one: npm run bench -- fuzz): every channel through the
// dispatcher, every server route through the app. Any failure is printed with the input that caused it.
import { describe, expect, it } from 'vitest';
import { channelNames } from '../../src/shared/api/index';
import { fuzzChannels, fuzzServer, type FuzzReport } from './api-fuzz';

const CHANNEL_INPUTS = 3500;
const SERVER_INPUTS = 1500;

const failuresOf = (r: FuzzReport) => {
  if (r.failures.length) console.error(r.failures.slice(0, 30));
  return r.failures;
};

describe('API fuzz (short pass: 5,000 inputs)', () => {
  it(`${CHANNEL_INPUTS} channel inputs: no INTERNAL, no throw, no stall over 200 ms, no change from a refused request, no traffic off loopback`, async () => {
    const r = await fuzzChannels({ inputs: CHANNEL_INPUTS, seed: 19 });
    expect(failuresOf(r)).toEqual([]);
    // Every channel was tried, and a fair share of inputs reached a handler (not only the validator).
    expect(Object.keys(r.byTarget).length).toBe(channelNames.length - 1);
    expect((r.outcomes.ok ?? 0) / r.inputs).toBeGreaterThan(0.2);
    expect(r.heapGrowthMb).toBeLessThan(64);
  }, 600_000);

  it(`${SERVER_INPUTS} server requests: no 5xx (other than 503 for storage not configured), no throw, no stall`, async () => {
    const r = await fuzzServer({ inputs: SERVER_INPUTS, seed: 19 });
    expect(failuresOf(r)).toEqual([]);
    expect(Object.keys(r.byTarget).length).toBeGreaterThan(25);
    expect(r.outcomes['200'] ?? 0).toBeGreaterThan(SERVER_INPUTS / 10);
  }, 600_000);
});
