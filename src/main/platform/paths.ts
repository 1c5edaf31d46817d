import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Where the device database lives: `--data-dir`, else MAESTRO_DATA_DIR, else (Electron) userData,
 * else the platform's per-user app-data folder (the same place Electron's userData points to).
 */
export function resolveDataDir(explicit?: string, electronUserData?: string): string {
  if (explicit) return resolve(explicit);
  if (process.env.MAESTRO_DATA_DIR) return resolve(process.env.MAESTRO_DATA_DIR);
  if (electronUserData) return electronUserData;
  const home = homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'Maestro');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Maestro');
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Maestro');
}

/**
 * The app's bundled `resources/` folder: the nearest one above `fromDir` that holds the pinned trust
 * root. The same code runs from src/main/app (tsx) and from out/main (electron-vite bundles it into
 * one file), so a fixed number of `..` would be right for only one of them.
 */
export function findResourcesDir(fromDir: string): string {
  let dir = resolve(fromDir);
  for (;;) {
    const candidate = join(dir, 'resources');
    if (existsSync(join(candidate, 'trust', 'root.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) return join(resolve(fromDir), '..', '..', 'resources');
    dir = up;
  }
}
