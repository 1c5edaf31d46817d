// The read-only file set the loaders (policy, invariants, workflows, contracts) read through. In
// production it is the active version of a sealed bundle (features/bundles hands out `{ label, files, read }`,
// where read() re-hashes the bytes against the signed SHA-256 first); in tests and tooling it is a
// plain directory (dirTree). Paths are POSIX and relative ('invariants/budget.yaml').
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/** A read-only set of files: a verified bundle (production) or a plain directory (tests, tooling). */
export interface ResourceTree {
  /** Shown in messages (a directory, or the bundle's name and version). */
  readonly label: string;
  /** Every file, as sorted POSIX relative paths. */
  files(): string[];
  /** The bytes of one file listed by files(). Throws when it cannot be read. */
  read(path: string): Buffer;
}

/** A relative POSIX path with no empty, '.' or '..' segment; throws otherwise. */
function checkRelative(path: string): string {
  const parts = path.split('/');
  if (!path || path.includes('\\') || path.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`not a relative path inside the tree: ${JSON.stringify(path)}`);
  }
  return path;
}

/**
 * Every regular file under `dir`, recursively, read afresh on each call (a reload sees new files).
 * A link to a regular file counts as a file; links to directories are not followed. files() throws
 * when `dir` cannot be read.
 */
export function dirTree(dir: string): ResourceTree {
  const walk = (rel: string, out: string[]): void => {
    const entries: Dirent[] = readdirSync(rel ? join(dir, rel) : dir, { withFileTypes: true });
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path, out);
      else if (e.isFile()) out.push(path);
      else if (e.isSymbolicLink()) {
        try {
          if (statSync(join(dir, path)).isFile()) out.push(path);
        } catch {
          // a dangling link is not a file
        }
      }
    }
  };
  return {
    label: dir,
    files() {
      const out: string[] = [];
      walk('', out);
      return out.sort();
    },
    read(path) {
      return readFileSync(join(dir, checkRelative(path)));
    },
  };
}

/** The files under `prefix/`, with paths relative to it. */
export function subTree(tree: ResourceTree, prefix: string): ResourceTree {
  const p = checkRelative(prefix.replace(/\/+$/, ''));
  const head = `${p}/`;
  return {
    label: `${tree.label}/${p}`,
    files: () =>
      tree
        .files()
        .filter((f) => f.startsWith(head))
        .map((f) => f.slice(head.length)),
    read: (path) => tree.read(head + checkRelative(path)),
  };
}

/** One file as UTF-8 text. */
export const readText = (t: ResourceTree, path: string): string => t.read(path).toString('utf8');
