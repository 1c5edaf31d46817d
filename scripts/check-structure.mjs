// npm run lint:structure — the structure rules of docs/decisions/0014-feature-slices.md, each printed
// with its count, failing on any violation:
//   - dependency-cruiser (.dependency-cruiser.cjs): import cycles in src/ and the layer / feature rules;
//   - sizes: no source file over 500 lines and no function over 80 lines (lines of code: blank lines and
//     comments not counted; tests and test helpers excluded), with the largest of each printed;
//   - knip: no unused files or exports.
import { execFileSync } from 'node:child_process';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { root } from './lib.mjs';

const MAX_FILE = 500;
const MAX_FUNCTION = 80;
const only = process.argv[2];
let failed = 0;
const bin = (pkg, file) => `${root}/node_modules/${pkg}/${file}`;

function runTool(name, args) {
  try {
    return { out: execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] }), ok: true };
  } catch (e) {
    return { out: `${e.stdout ?? ''}${e.stderr ?? ''}`, ok: false, name };
  }
}

if (!only || only === 'deps') {
  const r = runTool('depcruise', [bin('dependency-cruiser', 'bin/dependency-cruise.mjs'), 'src', '--output-type', 'json']);
  const json = JSON.parse(r.out.slice(r.out.indexOf('{')));
  const violations = json.summary.violations;
  const cycles = violations.filter((v) => v.rule.name === 'no-cycles');
  const cycleFiles = new Set(cycles.map((v) => v.from));
  console.log(`structure: import cycles in src/: ${cycleFiles.size} file(s) on a cycle`);
  console.log(`structure: layer and feature rule violations: ${violations.length - cycles.length}`);
  for (const v of violations.slice(0, 40)) console.log(`  ${v.rule.name}: ${v.from} → ${v.to}`);
  if (violations.length > 40) console.log(`  … ${violations.length - 40} more`);
  if (violations.length) failed++;
}

if (!only || only === 'size') {
  const testCode = ['**/*.test.ts', '**/*.test.tsx', '**/testing.ts', '**/testing/**', '**/test-helpers.ts', '**/test-utils.ts', '**/fixtures.ts'];
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      { ignores: testCode },
      {
        files: ['src/**/*.ts', 'src/**/*.tsx'],
        languageOptions: { parser: tseslint.parser, parserOptions: { ecmaFeatures: { jsx: true } } },
        rules: {
          'max-lines': ['error', { max: MAX_FILE, skipBlankLines: true, skipComments: true }],
          'max-lines-per-function': ['error', { max: MAX_FUNCTION, skipBlankLines: true, skipComments: true, IIFEs: true }],
        },
      },
    ],
  });
  // Measure every file and function: run once with limits of 0 to find the largest of each.
  const results = await eslint.lintFiles(['src']);
  const over = { file: [], fn: [] };
  for (const r of results)
    for (const m of r.messages) {
      const n = Number(/\((\d+)\)/.exec(m.message)?.[1] ?? 0);
      const where = `${r.filePath.slice(root.length + 1)}:${m.line}`;
      if (m.ruleId === 'max-lines') over.file.push([n, where]);
      else if (m.ruleId === 'max-lines-per-function') over.fn.push([n, where]);
      else if (m.fatal) over.fn.push([0, `${where} ${m.message}`]);
    }
  const sizer = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      { ignores: testCode },
      {
        files: ['src/**/*.ts', 'src/**/*.tsx'],
        languageOptions: { parser: tseslint.parser, parserOptions: { ecmaFeatures: { jsx: true } } },
        rules: {
          'max-lines': ['error', { max: 1, skipBlankLines: true, skipComments: true }],
          'max-lines-per-function': ['error', { max: 1, skipBlankLines: true, skipComments: true, IIFEs: true }],
        },
      },
    ],
  });
  let bigFile = [0, ''];
  let bigFn = [0, ''];
  for (const r of await sizer.lintFiles(['src']))
    for (const m of r.messages) {
      const n = Number(/\((\d+)\)/.exec(m.message)?.[1] ?? 0);
      const where = `${r.filePath.slice(root.length + 1)}:${m.line}`;
      if (m.ruleId === 'max-lines' && n > bigFile[0]) bigFile = [n, where];
      if (m.ruleId === 'max-lines-per-function' && n > bigFn[0]) bigFn = [n, where];
    }
  console.log(`structure: largest source file ${bigFile[0]} lines (${bigFile[1].replace(/:\d+$/, '')}), limit ${MAX_FILE}`);
  console.log(`structure: largest function ${bigFn[0]} lines (${bigFn[1]}), limit ${MAX_FUNCTION}`);
  console.log(`structure: files over ${MAX_FILE} lines: ${over.file.length}; functions over ${MAX_FUNCTION} lines: ${over.fn.length}`);
  for (const [n, w] of [...over.file, ...over.fn].sort((a, b) => b[0] - a[0])) console.log(`  ${n} ${w}`);
  if (over.file.length || over.fn.length) failed++;
}

if (!only || only === 'knip') {
  const r = runTool('knip', [bin('knip', 'bin/knip.js'), '--no-progress']);
  const lines = r.out.trim();
  console.log(`structure: knip (unused files and exports): ${r.ok ? 'none' : 'found'}`);
  if (!r.ok) {
    console.log(lines);
    failed++;
  }
}

process.exit(failed ? 1 : 0);
