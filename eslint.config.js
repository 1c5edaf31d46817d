// Lint rules, including the import boundaries between processes.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'net', 'url', 'util', 'stream', 'worker_threads'];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', '.data/**', 'demo-data/**', '.tmp/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // src/shared is pure TypeScript: no Node, no DOM, no Electron, nothing from other layers.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeBuiltins, 'electron', '**/main/**', '**/renderer/**', '**/server/**', '**/preload/**'],
              message: 'src/shared must stay pure (no Node, DOM or other layers).',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require'],
    },
  },
  {
    // The renderer sees only src/shared and the preload's types.
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeBuiltins, 'electron', 'better-sqlite3', '**/main/**', '**/server/**'],
              message: 'The renderer may import only src/shared and the preload types.',
            },
            { group: ['**/shared/validation'], message: 'ajv generates code, which the renderer CSP forbids.' },
            { group: ['**/preload/index'], message: 'Use the preload types (bridge.ts / index.d.ts), not its code.' },
          ],
        },
      ],
    },
  },
  {
    // Only the Electron entry and its adapter may import electron.
    files: ['src/main/**/*.ts', 'src/server/**/*.ts'],
    ignores: ['src/main/index.ts', 'src/main/app/electron/adapter.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron'], message: 'Core code runs without Electron: only src/main/index.ts and the electron adapter import it.' },
            { group: ['**/renderer/**'], message: 'No renderer code in Node processes.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['electron', '**/main/**', '**/renderer/**'], message: 'The server shares only src/shared with the app.' }] },
      ],
    },
  },
);
