// The long API fuzz run (the short one is in npm test: test/fuzz/api-fuzz.test.ts): inputs generated
// from every channel's schema through the dispatcher, and requests to every sync-server route, with
// hostile values anywhere (lone surrogates, FIFOs, /dev/zero, 64 GiB sparse files, prototype keys).
// Failures (INTERNAL or 5xx, a throw, an event-loop stall over 200 ms, a change from a refused
// request, traffic off loopback) must be zero. MAESTRO_FUZZ_INPUTS sets the total (default 100,000).
import { fuzzChannels, fuzzServer, type FuzzReport } from '../test/fuzz/api-fuzz';
import { emit, size } from './figure';

export async function run(): Promise<void> {
  const total = Number(process.env.MAESTRO_FUZZ_INPUTS ?? size(100_000, 100));
  const seed = Number(process.env.MAESTRO_FUZZ_SEED ?? Date.now() % 100_000);
  // Channel inputs cost ~10 ms (they reach real handlers), server requests ~3 ms: 30 % / 70 %.
  const channels = Math.round(total * 0.3);
  const reports: FuzzReport[] = [];
  for (let done = 0, i = 0; done < channels; i++) {
    // Fresh devices every 10,000 inputs: a database grown by the fuzz itself would slow it down.
    const n = Math.min(10_000, channels - done);
    reports.push(await fuzzChannels({ inputs: n, seed: seed + i }));
    done += n;
  }
  for (let done = 0, i = 0; done < total - channels; i++) {
    const n = Math.min(20_000, total - channels - done);
    reports.push(await fuzzServer({ inputs: n, seed: seed + 1000 + i }));
    done += n;
  }
  const failures = reports.flatMap((r) => r.failures);
  for (const f of failures.slice(0, 50)) process.stderr.write(`fuzz failure: ${f.kind} ${f.target} ${f.input} → ${f.detail}\n`);
  process.stderr.write(`fuzz seed ${seed}\n`);
  const inputs = reports.reduce((n, r) => n + r.inputs, 0);
  emit({ name: 'fuzz.api.inputs', value: inputs, unit: 'inputs', ref: 100_000, refName: 'required', target: '>= 100000' });
  emit({ name: 'fuzz.api.failures', value: failures.length, unit: 'failures', ref: 0, refName: 'required', target: '= 0' });
  emit({
    name: 'fuzz.api.max_stall_ms',
    value: Math.max(...reports.map((r) => r.maxStallMs)),
    unit: 'ms',
    ref: 200,
    refName: 'stall threshold',
    target: '< 200',
  });
  // Heap after a forced GC (npm run bench runs node with --expose-gc), the most any one fuzz run grew it.
  emit({ name: 'fuzz.api.heap_growth_mb', value: Math.max(...reports.map((r) => r.heapGrowthMb)), unit: 'MB', ref: null, refName: null, target: '< 64' });
}
