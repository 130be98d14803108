// Runs the bundled mocha suites inside the extension host and returns a JSON-able summary.
// Used by the test extension (code-server launcher) and by @vscode/test-electron's
// extensionTestsPath entry. Suite files are registered by the generated bundle entry
// (scripts/e2e/build.mjs) and required lazily, after mocha has installed its globals.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import Mocha from 'mocha';

export interface SuiteFile {
  /** Path relative to the repository, e.g. test/e2e/suite/smoke.test.ts. */
  file: string;
  load: () => void;
}

export interface TestResult {
  file: string;
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: string;
}

export interface SuiteResults {
  passed: number;
  failed: number;
  pending: number;
  tests: TestResult[];
  /** Environment facts, printed by the driver (proves which editor ran the suite). */
  vscodeVersion: string;
  node: string;
}

let suiteFiles: SuiteFile[] = [];

export function registerSuiteFiles(files: SuiteFile[]): void {
  suiteFiles = files;
}

export async function runSuites(vscodeVersion: string): Promise<SuiteResults> {
  const timeout = Number(process.env.PEGASUS_E2E_TEST_TIMEOUT ?? 30_000);
  const mocha = new Mocha({ ui: 'bdd', timeout, color: false, reporter: SilentReporter });
  if (process.env.PEGASUS_E2E_GREP) mocha.grep(process.env.PEGASUS_E2E_GREP);

  const results: SuiteResults = { passed: 0, failed: 0, pending: 0, tests: [], vscodeVersion, node: process.version };
  // Each result is also appended to PEGASUS_E2E_PROGRESS as one JSON line, so the driver can
  // print tests as they finish (and name the last one if the host hangs or dies).
  const progress = process.env.PEGASUS_E2E_PROGRESS;
  const push = (r: TestResult) => {
    results.tests.push(r);
    if (progress) appendFileSync(progress, `${JSON.stringify(r)}\n`);
  };
  for (const f of suiteFiles) {
    mocha.suite.emit('pre-require', globalThis, f.file, mocha);
    try {
      f.load();
    } catch (err) {
      // A suite that cannot even load is one failure, named after its file.
      results.failed++;
      push({ file: f.file, title: `${f.file} (load)`, state: 'failed', durationMs: 0, error: describe(err) });
    }
    mocha.suite.emit('post-require', globalThis, f.file, mocha);
  }

  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    const fileOf = (t: Mocha.Runnable) => t.file ?? findFile(t.parent);
    runner.on('pass', (t) => {
      results.passed++;
      push({ file: fileOf(t), title: t.fullTitle(), state: 'passed', durationMs: t.duration ?? 0 });
    });
    runner.on('fail', (t, err) => {
      results.failed++;
      push({ file: fileOf(t), title: t.fullTitle(), state: 'failed', durationMs: t.duration ?? 0, error: describe(err) });
    });
    runner.on('pending', (t) => {
      results.pending++;
      push({ file: fileOf(t), title: t.fullTitle(), state: 'pending', durationMs: 0 });
    });
  });
  return results;
}

function findFile(s: Mocha.Suite | undefined): string {
  for (let cur = s; cur; cur = cur.parent) if (cur.file) return cur.file;
  return '?';
}

function describe(err: unknown): string {
  if (err instanceof Error) return mapStack(err.stack ?? `${err.name}: ${err.message}`);
  return String(err);
}

let sourceMap: SourceMap | null | undefined;

/** Rewrites `bundle.js:line:col` frames to the TypeScript source lines (`test/e2e/suite/x.ts:12:5`). */
function mapStack(stack: string): string {
  if (sourceMap === undefined) {
    const file = `${__filename}.map`;
    try {
      sourceMap = existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : null;
    } catch {
      sourceMap = null;
    }
  }
  const map = sourceMap;
  if (!map) return stack;
  const bundle = __filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return stack.replace(new RegExp(`${bundle}:(\\d+):(\\d+)`, 'g'), (whole, line: string, col: string) => {
    const e = map.findEntry(Number(line) - 1, Number(col) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (!e.originalSource) return whole;
    // Sources are relative to out/e2e/test-extension/dist in the repository: show them from its root.
    const src = e.originalSource.replace(/^(file:\/\/)?(\.\.\/)+/, '');
    return `${src}:${(e.originalLine ?? 0) + 1}:${(e.originalColumn ?? 0) + 1}`;
  });
}

/** Mocha needs a reporter; the driver prints the results, so this one stays quiet. */
class SilentReporter extends Mocha.reporters.Base {}
