// What every SQLite worker thread shares (the device's snapshot and quick_check workers, the WAL
// checkpointer of the device and the server): the path of the native module the main thread
// resolved, so the worker loads the same build, and the CommonJS lines that open the connection.
import { createRequire } from 'node:module';

export const sqliteModulePath = (): string => createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * CommonJS statements, for a worker evaluated from source (no loader needed under tsx, vitest,
 * Electron), that assign the connection to an already declared `db`: `Database` (the module at
 * workerData.module) opens `file` (a JS expression), which must exist, with workerData.keyHex as
 * the SQLCipher key when it is set. The key pragmas mirror main/platform/db/cipher.ts cipherPragmas.
 */
export function openDbInWorker(file: string, o: { readonly: boolean }): string {
  return `db = new Database(${file}, { readonly: ${o.readonly}, fileMustExist: true });
  if (workerData.keyHex) {
    db.pragma("cipher = 'sqlcipher'");
    db.pragma('legacy = 4');
    db.pragma('key = "x\\'' + workerData.keyHex + '\\'"');
    db.pragma('temp_store = MEMORY');
  }`;
}
