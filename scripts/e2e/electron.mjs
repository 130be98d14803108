// Runs the in-host mocha suites (test/e2e/suite/*.test.ts) in VS Code desktop through
// @vscode/test-electron, for machines that can download VS Code (the offline machines here
// cannot: use `npm run test:e2e`, which runs the same suites in code-server).
//
//   node scripts/e2e/electron.mjs [file filters...] [--grep text]
//
// Env: PEGASUS_E2E_VSCODE_VERSION (default 1.100.3, the version code-server ships).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, buildTestExtension } from './build.mjs';
import { run } from './util.mjs';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const filters = [];
let grep = process.env.PEGASUS_E2E_GREP;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--grep') grep = args[++i];
  else if (args[i].startsWith('--grep=')) grep = args[i].slice(7);
  else filters.push(args[i]);
}

async function main() {
  await run('npm', ['run', '--silent', 'build'], { timeoutMs: 5 * 60_000 });
  const { suites, entry } = await buildTestExtension({ filters, vsix: false });
  if (suites.length === 0) throw new Error(`no test/e2e/suite file matches ${JSON.stringify(filters)}`);
  const tmp = mkdtempSync(join(tmpdir(), 'pegasus-electron-'));
  const workspace = join(tmp, 'workspace');
  cpSync(join(ROOT, 'test', 'e2e', 'workspace'), workspace, { recursive: true });
  try {
    const { runTests } = require('@vscode/test-electron');
    await runTests({
      version: process.env.PEGASUS_E2E_VSCODE_VERSION ?? '1.100.3',
      extensionDevelopmentPath: ROOT,
      // The bundle's `run` export runs the suites and throws when any failed.
      extensionTestsPath: entry,
      extensionTestsEnv: { PEGASUS_E2E_WORKSPACE: workspace, ...(grep ? { PEGASUS_E2E_GREP: grep } : {}) },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(tmp, 'user-data')],
    });
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[e2e:electron] ${err?.stack ?? err}`);
    process.exit(1);
  },
);
