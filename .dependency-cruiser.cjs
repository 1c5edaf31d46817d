// Structure rules of src/ (docs/decisions/0014-feature-slices.md). `npm run lint:structure` runs them;
// CI fails on any violation. Type-only imports count: a cycle of types is still a cycle of modules.
// Tests and their helpers build whole systems (app/services) to test through: boundary rules skip them,
// the cycle rule does not.
const TEST_CODE = '(\\.test\\.tsx?$|/(testing|test-helpers|test-utils|fixtures)\\.ts$|/testing/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Zero import cycles in src/.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'shared-is-pure',
      severity: 'error',
      comment: 'src/shared imports nothing of the other layers.',
      from: { path: '^src/shared/' },
      to: { path: '^src/(main|renderer|server|preload|platform)/' },
    },
    {
      name: 'platform-is-the-floor',
      severity: 'error',
      comment: 'src/platform (Node code main and server share) imports only src/shared.',
      from: { path: '^src/platform/' },
      to: { path: '^src/(main|renderer|server|preload)/' },
    },
    {
      name: 'main-platform-is-below-features',
      severity: 'error',
      comment: 'src/main/platform imports nothing above it (no feature, no app).',
      from: { path: '^src/main/platform/', pathNot: TEST_CODE },
      to: { path: '^src/main/(features|app)/' },
    },
    {
      name: 'feature-sees-only-ports-of-others',
      severity: 'error',
      comment: 'A feature imports platform, shared and only the ports.ts (or types.ts) of another feature.',
      from: { path: '^src/main/features/([^/]+)/', pathNot: TEST_CODE },
      to: {
        path: '^src/main/features/([^/]+)/',
        pathNot: ['^src/main/features/$1/', '^src/main/features/[^/]+/(ports|types)\\.ts$'],
      },
    },
    {
      name: 'nothing-imports-app',
      severity: 'error',
      comment: 'Only src/main/app constructs features; nothing but the Electron entry imports app/.',
      from: { path: '^src/', pathNot: ['^src/main/app/', '^src/main/index\\.ts$', TEST_CODE] },
      to: { path: '^src/main/app/' },
    },
    {
      name: 'process-boundaries',
      severity: 'error',
      comment: 'The server shares src/shared and src/platform with the app, nothing else; the renderer only src/shared and the preload types.',
      from: { path: '^src/server/' },
      to: { path: '^src/(main|renderer|preload)/' },
    },
    {
      name: 'renderer-boundary',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { path: '^src/(main|server|platform)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.node.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
