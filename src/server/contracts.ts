// The contract registry: which data contracts (and which version of each) the server accepts.
// Seeded at startup from the contracts directory into contract_versions; the current version of
// a name is the highest registered one. Items must match its MAJOR; minor/patch may differ.
// Seeding also brings the devices' stored version levels in line with the registry (see below).
// A minor or patch that breaks the previous version of its major is refused (checkContractsDir).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../shared/canonical';
import { parseContractRef } from '../shared/sync/protocol';
import { versionLevelOf } from './risk';
import { changedContractNames, compareContractVersions, VERSION_LEVELS_META_KEY } from './storage/common';
import type { ContractRef, ContractVersionRow, ServerStorage } from './storage/types';
import { BundleError } from '../shared/bundles/errors';
import { assertContractsCompatible, type RefusedChange } from '../shared/contracts/compat';

export class ContractsDirError extends Error {
  override name = 'ContractsDirError';
  constructor(
    message: string,
    /** CONTRACT_NOT_COMPATIBLE: the breaking changes (shared/contracts/compat RefusedChange). */
    readonly details: { code?: string; changes?: RefusedChange[] } = {},
  ) {
    super(message);
  }
}

export interface ContractRegistry {
  current(name: string): ContractRef | undefined;
  /** name → current version ("1.2.0"), as sent to devices. */
  map(): Record<string, string>;
  /** The contract document of `name@version` read from the contracts dir at startup, if present. */
  document(ref: string): unknown;
}

/** Every contract file of `dir` with its parsed document. */
export function readContractDocs(dir: string): { ref: ContractRef; doc: unknown }[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (err) {
    throw new ContractsDirError(`Cannot read contracts dir ${dir}: ${(err as Error).message}`);
  }
  return files.map((f) => {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    } catch (err) {
      throw new ContractsDirError(`${f}: not JSON (${(err as Error).message})`);
    }
    const ref = typeof doc === 'object' && doc !== null ? (doc as { contract?: unknown }).contract : undefined;
    const parsed = typeof ref === 'string' ? parseContractRef(ref) : null;
    if (!parsed) throw new ContractsDirError(`${f}: missing or invalid "contract" field`);
    return { ref: { ...parsed, version: `${parsed.major}.${parsed.minor}.${parsed.patch}` }, doc };
  });
}

export function registryFromRows(rows: readonly ContractVersionRow[], docs: ReadonlyMap<string, unknown> = new Map()): ContractRegistry {
  const current = new Map<string, ContractRef>();
  for (const r of rows) {
    const cur = current.get(r.name);
    if (!cur || compareContractVersions(r, cur) > 0) current.set(r.name, { name: r.name, version: r.version, major: r.major, minor: r.minor, patch: r.patch });
  }
  const asMap = Object.fromEntries([...current.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((c) => [c.name, c.version]));
  return { current: (name) => current.get(name), map: () => ({ ...asMap }), document: (ref) => docs.get(ref) };
}

/**
 * The schema guardian at the server's door: each contract version in the directory against the
 * previous version of its name there. A minor or patch that breaks it stops the server (a device
 * would otherwise receive it as a micro-update); a new major may break. Versions whose files are
 * gone from the directory cannot be compared (their documents are not stored).
 */
export function checkContractsDir(docs: readonly { doc: unknown }[]): void {
  try {
    assertContractsCompatible(
      [],
      docs.map((d) => d.doc),
    );
  } catch (e) {
    if (!(e instanceof BundleError)) throw e;
    throw new ContractsDirError(`CONTRACT_NOT_COMPATIBLE: ${e.message}`, { code: e.code, changes: e.details.changes as RefusedChange[] });
  }
}

export async function seedContracts(storage: ServerStorage, dir: string, at: Date, opts: { batchSize?: number } = {}): Promise<ContractRegistry> {
  const files = readContractDocs(dir);
  checkContractsDir(files);
  const docs = new Map(files.map((f) => [`${f.ref.name}@${f.ref.version}`, f.doc]));
  const registry = registryFromRows(
    await storage.registerContracts(
      files.map((f) => f.ref),
      at.toISOString(),
    ),
    docs,
  );
  await reconcileVersionLevels(storage, registry, at, opts.batchSize);
  return registry;
}

/**
 * devices.version_level is computed at each sync against the registry of that moment. When the
 * current versions differ from the registry the stored levels reflect (a newer major makes devices
 * on the old one critical at once), the devices that use a changed contract are recomputed, in
 * batched transactions, so the board's level filters are right before those devices sync again.
 * The reflected registry is recorded afterwards: a crash in between only means recomputing again.
 */
export async function reconcileVersionLevels(
  storage: ServerStorage,
  registry: ContractRegistry,
  at: Date,
  batchSize?: number,
): Promise<{ examined: number; changed: number }> {
  const current = registry.map();
  const marker = canonicalJson(current);
  const storedText = await storage.getMeta(VERSION_LEVELS_META_KEY);
  if (storedText === marker) return { examined: 0, changed: 0 };
  const stored = storedText === null ? null : (JSON.parse(storedText) as Record<string, string>);
  const names = changedContractNames(stored, current);
  const out =
    names.length === 0
      ? { examined: 0, changed: 0 }
      : await storage.recomputeVersionLevels({
          scope: { contracts: names },
          levelOf: (device, policy) => versionLevelOf(device, registry, policy),
          now: at.toISOString(),
          ...(batchSize ? { batchSize } : {}),
        });
  await storage.setMeta(VERSION_LEVELS_META_KEY, marker);
  return out;
}
