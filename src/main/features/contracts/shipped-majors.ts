import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Contract majors the app ships (file names of its built-in contracts bundle, name@x.y.z.json):
 * a newer major from the server waits for an app update. Empty when the app ships none.
 */
export function shippedContractMajors(builtinBundleDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  let files: string[] = [];
  try {
    files = readdirSync(join(builtinBundleDir, 'targets'));
  } catch {
    return out;
  }
  for (const f of files) {
    const m = /^([a-z][a-z0-9.-]*)@(\d+)\.\d+\.\d+\.json$/.exec(f);
    if (m) out[m[1]!] = Math.max(out[m[1]!] ?? 0, Number(m[2]));
  }
  return out;
}
