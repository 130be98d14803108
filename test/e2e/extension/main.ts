// The in-editor test extension. Installed next to Pegasus Ops by scripts/e2e/run.mjs; when
// PEGASUS_E2E_RESULTS names a file, it runs the mocha suites once the workbench has started and
// writes the results there for the driver to read. Without that variable it does nothing.
import { writeFile, rename } from 'node:fs/promises';
import * as vscode from 'vscode';
import { runSuites, type SuiteResults } from './runner';

export function activate(): void {
  const resultsFile = process.env.PEGASUS_E2E_RESULTS;
  if (!resultsFile) return;
  void runSuites(vscode.version)
    .catch((err): SuiteResults => ({
      passed: 0,
      failed: 1,
      pending: 0,
      tests: [{ file: '?', title: 'in-editor suite runner', state: 'failed', durationMs: 0, error: String(err?.stack ?? err) }],
      vscodeVersion: vscode.version,
      node: process.version,
    }))
    // Written whole, then renamed: the driver never reads half a file.
    .then(async (results) => {
      await writeFile(`${resultsFile}.tmp`, JSON.stringify(results, null, 2));
      await rename(`${resultsFile}.tmp`, resultsFile);
    });
}

export function deactivate(): void {}

/** Entry for @vscode/test-electron (extensionTestsPath): throws when any test failed. */
export async function run(): Promise<void> {
  const r = await runSuites(vscode.version);
  for (const t of r.tests) {
    const mark = t.state === 'passed' ? 'ok  ' : t.state === 'failed' ? 'FAIL' : 'skip';
    console.log(`${mark} ${t.title}${t.error ? `\n${t.error}` : ''}`);
  }
  console.log(`${r.passed} passed, ${r.failed} failed${r.pending ? `, ${r.pending} skipped` : ''}`);
  if (r.failed > 0) throw new Error(`${r.failed} in-editor test(s) failed`);
}
