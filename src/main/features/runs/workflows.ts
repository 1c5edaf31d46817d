// The loaded workflow manifests: from the workflow tree (the verified bundle) or <resourcesDir>/workflows,
// found by `name@version` or by bare name (highest version); a run's own manifest is read from its row.
import { join } from 'node:path';
import type { Logger } from '../../platform/util/logger';
import { ApiError } from '../../../shared/errors';
import type { ExecutorName, ManifestLoadError, WorkflowManifest } from '../../../shared/workflow/types';
import type { WorkflowInfo } from '../../../shared/workflow/views';
import type { Executor } from './executors/index';
import { loadManifestDir, loadManifestTree, summaryOf, type LoadedManifest } from './manifest';
import type { RunContracts, WorkflowTree } from './ports';
import type { RunRow } from './rows';

export interface CatalogDeps {
  contracts: RunContracts;
  resourcesDir: string;
  workflows?: () => WorkflowTree | null;
  logger: Logger;
}

export class WorkflowCatalog {
  private byRef = new Map<string, LoadedManifest>();
  private errors: ManifestLoadError[] = [];
  private readonly manifestCache = new Map<string, WorkflowManifest>();

  constructor(
    private readonly d: CatalogDeps,
    private readonly executors: Readonly<Record<ExecutorName, Executor>>,
  ) {}

  reload(): { workflows: WorkflowInfo[]; errors: ManifestLoadError[] } {
    const r = this.d.workflows
      ? this.loadFromProvider(this.d.workflows)
      : loadManifestDir(join(this.d.resourcesDir, 'workflows'), this.d.contracts, this.executors);
    this.byRef = new Map(r.manifests.map((m) => [m.manifest.workflow, m]));
    this.errors = r.errors;
    for (const e of r.errors) this.d.logger.warn('workflow manifest refused', { code: 'WORKFLOW_LOAD_FAILED', file: e.file, line: e.line, reason: e.reason });
    return { workflows: this.workflows(), errors: this.loadErrors() };
  }

  private loadFromProvider(provider: () => WorkflowTree | null): { manifests: LoadedManifest[]; errors: ManifestLoadError[] } {
    let tree: WorkflowTree | null;
    try {
      tree = provider();
    } catch (e) {
      return { manifests: [], errors: [{ file: 'workflows', line: 0, reason: `cannot open the workflow bundle: ${(e as Error).message}` }] };
    }
    if (!tree) return { manifests: [], errors: [{ file: 'workflows', line: 0, reason: 'no verified workflow bundle is active' }] };
    return loadManifestTree(tree, this.d.contracts, this.executors);
  }

  workflows(): WorkflowInfo[] {
    return [...this.byRef.values()].map(summaryOf).sort((a, b) => a.workflow.localeCompare(b.workflow));
  }

  loadErrors(): ManifestLoadError[] {
    return this.errors.map((e) => ({ ...e }));
  }

  /** `name@version`, or the highest loaded version of a bare name; NOT_FOUND otherwise. */
  find(ref: string): LoadedManifest {
    const exact = this.byRef.get(ref);
    if (exact) return exact;
    if (!ref.includes('@')) {
      const best = [...this.byRef.values()]
        .filter((m) => m.manifest.workflow.split('@')[0] === ref)
        .sort((a, b) => {
          const va = a.manifest.workflow.split('@')[1]!.split('.').map(Number);
          const vb = b.manifest.workflow.split('@')[1]!.split('.').map(Number);
          return vb[0]! - va[0]! || vb[1]! - va[1]! || vb[2]! - va[2]!;
        })[0];
      if (best) return best;
    }
    throw new ApiError('NOT_FOUND', `Unknown workflow ${ref}`, { reason: 'workflow', ref });
  }

  /** The manifest a run started with (stored on its row), parsed once per digest. */
  manifestOf(row: RunRow): WorkflowManifest {
    let m = this.manifestCache.get(row.manifest_digest);
    if (!m) {
      m = JSON.parse(row.manifest) as WorkflowManifest;
      this.manifestCache.set(row.manifest_digest, m);
    }
    return m;
  }
}
