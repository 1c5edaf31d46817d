import type { ValidateFunction } from 'ajv';
import { compileSchema, describeErrors, assertValid, lazyValidator } from '../../../shared/validation';
import { parseContractRef } from '../../../shared/sync/protocol';
import { ApiError } from '../../../shared/errors';
import { i18nProblems } from '../../../shared/contracts/i18n-check';
import type { ContractDoc } from '../../../shared/api/types';
import { dirTree, readText, type ResourceTree } from '../../platform/util/resource-tree';

export function compareVersions(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The shape of a contract document on disk (resources/contracts/NAME@VERSION.json). */
export const contractDocSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['contract', 'title', 'kind', 'permission', 'pii', 'riskHints', 'schema'],
  properties: {
    contract: { type: 'string', pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*){2}@\\d+\\.\\d+\\.\\d+$' },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    kind: { enum: ['capture', 'draft', 'submit'] },
    permission: { type: 'string' },
    pii: { type: 'array', items: { type: 'string', pattern: '^(/[^/]+)+$' } },
    riskHints: { type: 'object' },
    schema: { type: 'object', required: ['type'], properties: { type: { const: 'object' } } },
  },
} as const;

export interface LoadedContract {
  doc: ContractDoc;
  validate: ReturnType<typeof compileSchema>;
}

/** A contract whose schema compiles on first use (loadTree's deferCompile); `compile` forces it. */
interface DeferredContract extends LoadedContract {
  compile(): void;
}

/**
 * The one door through which contracts are read. Compiled once with ajv and cached. Documents come
 * from a ResourceTree (the verified contract bundle, or resources/contracts via fromDir) or load().
 */
export class ContractRegistry {
  private readonly byRef = new Map<string, LoadedContract>();

  /** Every top-level `*.json` of `dir`; throws on the first bad document. */
  static fromDir(dir: string): ContractRegistry {
    return ContractRegistry.fromTree(dirTree(dir));
  }

  /** Every top-level `*.json` of `tree` (e.g. the active contract bundle); throws on the first bad document. */
  static fromTree(tree: ResourceTree): ContractRegistry {
    const reg = new ContractRegistry();
    reg.loadTree(tree);
    return reg;
  }

  /**
   * Add every top-level `*.json` of `tree` (a later reference replaces an earlier one). All or
   * nothing: every document is parsed and compiled first, and the first bad one throws with nothing
   * added. `deferCompile` (start-up, for the bundle that was active when the app last ran: its
   * schemas compiled when it was installed) checks every document but leaves compiling each data
   * schema to its first use or to compileDeferred(), so ajv is not created on the way to the first
   * screen (decision 0042).
   */
  loadTree(tree: ResourceTree, { deferCompile = false }: { deferCompile?: boolean } = {}): LoadedContract[] {
    const compiled: LoadedContract[] = [];
    for (const f of tree.files().filter((x) => !x.includes('/') && x.endsWith('.json'))) {
      if (!this.supports(f.slice(0, -'.json'.length))) continue;
      const path = `${tree.label}/${f}`;
      let parsed: unknown;
      try {
        parsed = JSON.parse(readText(tree, f));
      } catch (e) {
        throw new Error(`contract ${path}: not JSON (${(e as Error).message})`);
      }
      compiled.push(deferCompile ? deferContract(parsed, path) : compileContract(parsed, path));
    }
    for (const c of compiled) this.byRef.set(c.doc.contract, c);
    return compiled;
  }

  /**
   * Compile every schema loadTree deferred (after the first screen). A schema that does not compile
   * (one an older app accepted, say) takes its contract out of the registry, so no form offers it,
   * and is returned for the caller to report; the others stay.
   */
  compileDeferred(): { contract: string; error: string }[] {
    const failed: { contract: string; error: string }[] = [];
    for (const [ref, c] of this.byRef) {
      if (!('compile' in c)) continue;
      try {
        (c as DeferredContract).compile();
      } catch (e) {
        this.byRef.delete(ref);
        failed.push({ contract: ref, error: (e as Error).message });
      }
    }
    return failed;
  }

  /**
   * The contract majors this app's code handles (from the contracts it ships). A contracts bundle
   * may carry a newer major or a contract the app does not know: those wait for an app update
   * (the sync engine flags them) and are not loaded. Without this, everything loads.
   */
  setSupportedMajors(majors: Record<string, number>): void {
    this.majors = Object.keys(majors).length ? majors : null;
  }

  private majors: Record<string, number> | null = null;

  private supports(fileRef: string): boolean {
    if (!this.majors) return true;
    const r = parseContractRef(fileRef);
    if (!r) return true; // not named name@x.y.z: the document is checked (and refused) on its own terms
    const max = this.majors[r.name];
    return max !== undefined && r.major <= max;
  }

  load(raw: unknown, source = 'input'): LoadedContract {
    const loaded = compileContract(raw, source);
    this.byRef.set(loaded.doc.contract, loaded);
    return loaded;
  }

  list(): ContractDoc[] {
    return [...this.byRef.values()].map((c) => c.doc);
  }

  /** The highest version of each contract: what new captures use. Older versions stay loaded to validate old items. */
  latest(): ContractDoc[] {
    const best = new Map<string, { doc: ContractDoc; v: [number, number, number] }>();
    for (const { doc } of this.byRef.values()) {
      const r = parseContractRef(doc.contract)!;
      const v: [number, number, number] = [r.major, r.minor, r.patch];
      const cur = best.get(r.name);
      if (!cur || compareVersions(v, cur.v) > 0) best.set(r.name, { doc, v });
    }
    return [...best.values()].map((b) => b.doc).sort((a, b) => a.contract.localeCompare(b.contract));
  }

  /** name → highest version held, e.g. { 'field.inspect.site': '1.2.0' }. */
  versions(): Record<string, string> {
    return Object.fromEntries(this.latest().map((d) => d.contract.split('@') as [string, string]));
  }

  has(ref: string): boolean {
    return this.byRef.has(ref);
  }

  get(ref: string): LoadedContract {
    const c = this.byRef.get(ref);
    if (!c) throw new ApiError('NOT_FOUND', `Unknown contract ${ref}`);
    return c;
  }

  /** Validate captured data against its contract; VALIDATION_ERROR with ajv details otherwise. */
  validate(ref: string, data: unknown): void {
    const c = this.get(ref);
    if (!c.validate(data)) {
      throw new ApiError('VALIDATION_ERROR', `Data does not satisfy ${ref}`, describeErrors(c.validate.errors));
    }
  }
}

/** The document's own checks: its shape, its reference, its translations. */
function checkContract(raw: unknown, source: string): ContractDoc {
  const doc = assertValid<ContractDoc>(contractDocSchema, raw, `contract ${source}`);
  if (!parseContractRef(doc.contract)) throw new Error(`contract ${source}: bad reference ${doc.contract}`);
  // Translations (docs/decisions/0031): a bad one is refused with the places it is wrong at.
  const problems = i18nProblems(doc.schema);
  if (problems.length) throw new ApiError('VALIDATION_ERROR', `contract ${source}: translations do not match their schema`, problems);
  return doc;
}

function compileData(doc: ContractDoc, source: string): ValidateFunction {
  try {
    return compileSchema(doc.schema);
  } catch (e) {
    throw new Error(`contract ${source}: schema does not compile (${(e as Error).message})`);
  }
}

function compileContract(raw: unknown, source: string): LoadedContract {
  const doc = checkContract(raw, source);
  return { doc, validate: compileData(doc, source) };
}

function deferContract(raw: unknown, source: string): DeferredContract {
  const doc = checkContract(raw, source);
  // compileSchema caches per schema object: whichever of the two runs first compiles, the other finds it.
  return { doc, validate: lazyValidator(doc.schema, () => compileData(doc, source)), compile: () => void compileData(doc, source) };
}
