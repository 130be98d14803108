// Bundles the three entry points (extension, language server, CLI) into dist/.
// Usage: node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: production,
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'info',
  // `vscode` is provided by the editor; everything else is bundled so the .vsix needs no node_modules.
  // Sources import zod as `import * as z from 'zod'`: a namespace import lets esbuild drop the parts
  // never called (locales, JSON schema); `import { z }` kept all of it (the renderer was 4x larger).
  external: ['vscode'],
};

const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // Notebook renderer runs in the webview (browser), not in Node.
  { entryPoints: ['src/extension/renderer/index.ts'], outfile: 'dist/renderer.js', platform: 'browser', format: 'esm', external: [] },
  // Extends the built-in markdown renderer of cell outputs: command links (see commandLinks.ts).
  {
    entryPoints: ['src/extension/renderer/commandLinks.ts'],
    outfile: 'dist/commandLinks.js',
    platform: 'browser',
    format: 'esm',
    external: [],
  },
];

async function main() {
  const contexts = await Promise.all(entries.map((e) => esbuild.context({ ...common, ...e })));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
