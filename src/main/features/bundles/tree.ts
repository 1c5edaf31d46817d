// The read-only file set moved to src/main/platform/util/resource-tree.ts (policy, contracts and
// workflows read it without importing this feature); kept here for callers not yet moved.
export { dirTree, readText, subTree, type ResourceTree } from '../../platform/util/resource-tree';
