import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSchema, describeErrors, assertValid } from '../../shared/validation';
import { parseContractRef } from '../../shared/sync/protocol';
import { ApiError } from '../../shared/errors';
import type { ContractDoc } from '../../shared/api/types';

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

/**
 * The one door through which contracts are read. Compiled once with ajv and cached. The sealed-bundle
 * issue puts signature checks in front of `load` (#6); today the files come from the app's resources.
 */
export class ContractRegistry {
  private readonly byRef = new Map<string, LoadedContract>();

  static fromDir(dir: string): ContractRegistry {
    const reg = new ContractRegistry();
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
      const path = join(dir, f);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(path, 'utf8'));
      } catch (e) {
        throw new Error(`contract ${path}: not JSON (${(e as Error).message})`);
      }
      reg.load(parsed, path);
    }
    return reg;
  }

  load(raw: unknown, source = 'input'): LoadedContract {
    const doc = assertValid<ContractDoc>(contractDocSchema, raw, `contract ${source}`);
    if (!parseContractRef(doc.contract)) throw new Error(`contract ${source}: bad reference ${doc.contract}`);
    let validate;
    try {
      validate = compileSchema(doc.schema);
    } catch (e) {
      throw new Error(`contract ${source}: schema does not compile (${(e as Error).message})`);
    }
    const loaded = { doc, validate };
    this.byRef.set(doc.contract, loaded);
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
