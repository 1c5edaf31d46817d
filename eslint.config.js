// Lint rules, including the import boundaries between processes.
import tseslint from 'typescript-eslint';
import i18next from 'eslint-plugin-i18next';

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
    // Every string a person reads goes through i18n (src/renderer/i18n, decision 0028): a literal in
    // JSX text or in a JSX attribute people read (labels, titles, placeholders, alt) fails CI.
    files: ['src/renderer/**/*.tsx'],
    ignores: ['src/renderer/**/*.test.tsx'],
    plugins: { i18next },
    rules: {
      'i18next/no-literal-string': [
        'error',
        {
          mode: 'jsx-only',
          'jsx-attributes': {
            exclude: [
              'className',
              'style',
              'type',
              'key',
              'id',
              'width',
              'height',
              'role',
              'htmlFor',
              'name',
              'value',
              'defaultValue',
              'autoComplete',
              'inputMode',
              'lang',
              'dir',
              'href',
              'rel',
              'target',
              'accept',
              'pattern',
              'step',
              'min',
              'max',
              'form',
              'method',
              'viewBox',
              'd',
              'fill',
              'stroke',
              'strokeWidth',
              'points',
              'x',
              'y',
              'x1',
              'x2',
              'y1',
              'y2',
              'cx',
              'cy',
              'r',
              'textAnchor',
              'preserveAspectRatio',
              'xmlns',
              'scope',
              'aria-live',
              'aria-haspopup',
              'aria-controls',
              'aria-labelledby',
              'aria-describedby',
              'aria-current',
              'aria-sort',
              'aria-orientation',
              'data-.*',
              'testId',
              'capture',
              'spellCheck',
              'wrap',
              'loading',
              'decoding',
              'encType',
              'enterKeyHint',
            ],
          },
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
