import type { Migration } from './index';

export const m010Artifacts: Migration = {
  version: 10,
  name: 'run artifacts and release-gate evaluations',
  up() {
    // Filled in by the artifacts work (issue 8).
  },
};
