import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
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
