import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The main build's precompiled validators (decision 0042): src/main/app/precompiled/{first,rest}.ts
 * are empty in the source; here each is replaced by ajv's standalone code for its group of fixed
 * schemas, written by scripts/precompiled-validators.ts from the same sources in the same build.
 */
function precompiledValidators(): Plugin {
  const groups = new Map(['first', 'rest'].map((g) => [resolve(`src/main/app/precompiled/${g}.ts`), g]));
  const written = new Set<string>();
  // Both groups from one run of the generator, made at the first of the two loads.
  let modules: Record<string, string> | null = null;
  return {
    name: 'maestro-precompiled-validators',
    // A rebuild (watch mode) generates afresh: the schemas may have changed.
    buildStart() {
      modules = null;
      written.clear();
    },
    load(id) {
      const group = groups.get(id);
      if (!group) return null;
      written.add(group);
      modules ??= JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', resolve('scripts/precompiled-validators.ts')], { encoding: 'utf8', maxBuffer: 64 << 20 }),
      ) as Record<string, string>;
      return modules[group];
    },
    // A build that no longer imports a group (a moved module) would silently compile at run time again.
    buildEnd(err) {
      if (!err && written.size !== groups.size)
        this.error(`precompiled validators: only ${[...written].join(', ') || 'none'} of ${groups.size} groups were built`);
    },
  };
}

export default defineConfig({
  main: {
    plugins: [precompiledValidators()],
    build: {
      outDir: 'out/main',
      // keytar is a native optional dependency: load it from node_modules (rebuilt for Electron by the
      // packager), never bundled. `webhost` is the web host's entry (`node out/main/webhost.js`, what
      // `npm run start:web` runs): built JavaScript starts in a fraction of the time tsx needs to
      // compile the services at every launch. It shares chunks with `index` but never imports electron.
      rollupOptions: {
        input: { index: resolve('src/main/index.ts'), webhost: resolve('src/main/app/webhost/cli.ts') },
        external: ['keytar'],
      },
      // Pure-JavaScript ES modules of many small files are bundled into the main build: Node's ESM
      // loader paid about 1 ms per file at every start (TypeBox alone is 200 files), ~190 ms before
      // the first screen (issue 20). Packages with native code or their own workers stay external.
      externalizeDeps: {
        exclude: ['@sinclair/typebox', '@bufbuild/protobuf', '@bufbuild/cel', '@bufbuild/cel-spec', '@bufbuild/re2', 'hono', '@hono/node-server'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot require packages: the channel table's TypeBox is bundled into it.
      externalizeDeps: { exclude: ['@sinclair/typebox'] },
      // Sandboxed preloads must be CommonJS.
      rollupOptions: { input: { index: resolve('src/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      // Minified: the window parses a third of the bytes before its first screen (issue 20).
      minify: true,
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
