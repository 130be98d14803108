// Bundles the in-editor test extension (test/e2e/extension) together with the mocha suites
// (test/e2e/suite/**/*.test.ts, optionally filtered) into <outDir>/test-extension (default
// out/e2e; run.mjs uses its own temp folder so parallel runs never share files), and packs it as
// <outDir>/pegasus-ops-e2e-tests.vsix for code-server. The same bundle's `run` export is the
// @vscode/test-electron extensionTestsPath.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = join(ROOT, 'out', 'e2e');
export const TEST_EXTENSION_ID = 'pegasus-ops.pegasus-ops-e2e-tests';

const require = createRequire(import.meta.url);

function walk(dir, suffix) {
  if (!existsSync(dir)) return [];
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p, suffix));
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

/**
 * Files of one kind under test/e2e/<sub>, kept when any filter is a substring of the relative
 * path; smoke first (it checks what every other file relies on), then by name.
 */
export function selectFiles(sub, suffix, filters) {
  const smokeLast = (f) => Number(!f.split('/').pop().startsWith('smoke'));
  return walk(join(ROOT, 'test', 'e2e', sub), suffix)
    .map((f) => relative(ROOT, f).split('\\').join('/'))
    .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
    .sort((a, b) => smokeLast(a) - smokeLast(b) || a.localeCompare(b));
}

/**
 * Builds the bundle and (unless `vsix: false`) the .vsix.
 * Returns the suite files included, the extension folder, its entry file and the .vsix path.
 */
export async function buildTestExtension({ filters = [], vsix = true, quiet = false, outDir = OUT } = {}) {
  const esbuild = require('esbuild');
  const suites = selectFiles('suite', '.test.ts', filters);
  const TEST_EXTENSION_DIR = join(outDir, 'test-extension');
  const TEST_EXTENSION_VSIX = join(outDir, 'pegasus-ops-e2e-tests.vsix');
  rmSync(TEST_EXTENSION_DIR, { recursive: true, force: true });
  mkdirSync(join(TEST_EXTENSION_DIR, 'dist'), { recursive: true });

  // Suites are required lazily (esbuild wraps them), so mocha's globals exist when they run.
  const entry = [
    `export { activate, deactivate, run } from './test/e2e/extension/main';`,
    `import { registerSuiteFiles } from './test/e2e/extension/runner';`,
    `registerSuiteFiles([`,
    ...suites.map((f) => `  { file: ${JSON.stringify(f)}, load: () => require(${JSON.stringify('./' + f)}) },`),
    `]);`,
  ].join('\n');
  await esbuild.build({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: 'e2e-entry.ts', loader: 'ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // The runner maps failure stacks through this file itself (the extension host replaces
    // Error.prepareStackTrace, so Node's --enable-source-maps does not apply there).
    sourcemap: 'external',
    sourcesContent: false,
    external: ['vscode'],
    outfile: join(TEST_EXTENSION_DIR, 'dist', 'extension.js'),
    logLevel: 'error',
    // mocha's optional ESM loader uses import(); unused here (suites are bundled).
    logOverride: { 'unsupported-dynamic-import': 'silent', 'unsupported-require-call': 'silent' },
  });
  copyFileSync(join(ROOT, 'test', 'e2e', 'extension', 'package.json'), join(TEST_EXTENSION_DIR, 'package.json'));
  copyFileSync(join(ROOT, 'LICENSE'), join(TEST_EXTENSION_DIR, 'LICENSE'));
  writeFileSync(join(TEST_EXTENSION_DIR, 'README.md'), '# Pegasus Ops in-editor tests\n\nTest-only extension; see test/e2e/README.md.\n');
  writeFileSync(join(TEST_EXTENSION_DIR, '.vscodeignore'), '.vscodeignore\n');

  if (vsix) {
    const { createVSIX } = require('@vscode/vsce');
    rmSync(TEST_EXTENSION_VSIX, { force: true });
    // vsce prints its file tree through console.log; keep the e2e output short.
    const original = console.log;
    if (quiet) console.log = () => {};
    try {
      await createVSIX({
        cwd: TEST_EXTENSION_DIR,
        packagePath: TEST_EXTENSION_VSIX,
        dependencies: false,
        allowMissingRepository: true,
        skipLicense: true,
      });
    } finally {
      console.log = original;
    }
  }
  return {
    suites,
    dir: TEST_EXTENSION_DIR,
    entry: join(TEST_EXTENSION_DIR, 'dist', 'extension.js'),
    vsix: vsix ? TEST_EXTENSION_VSIX : undefined,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildTestExtension({ filters: process.argv.slice(2) }).then(
    (r) => console.log(`[e2e] test extension built with ${r.suites.length} suite file(s): ${r.vsix}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
