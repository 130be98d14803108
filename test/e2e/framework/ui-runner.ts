// Runs the UI scenarios of the selected test/e2e/ui/*.ui.ts files, one after another, in the one
// workbench page the driver opened. Called by scripts/e2e/run.mjs (through tsx).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Scenario, ScenarioContext } from './scenario';
import { Workbench } from './workbench';

export interface UiResult {
  file: string;
  title: string;
  state: 'passed' | 'failed';
  durationMs: number;
  error?: string;
}

export interface UiRunOptions {
  page: Page;
  root: string;
  /** Repository-relative paths of the scenario files. */
  files: string[];
  grep?: string;
  screenshotsDir: string;
  workspace: string;
  extensionLog: () => string;
  extensionHostLog: () => string;
  onResult: (r: UiResult) => void;
}

export async function runScenarios(o: UiRunOptions): Promise<UiResult[]> {
  const wb = new Workbench(o.page, { screenshotsDir: o.screenshotsDir, workspace: o.workspace });
  const results: UiResult[] = [];
  const record = (r: UiResult) => {
    results.push(r);
    o.onResult(r);
  };
  for (const file of o.files) {
    let scenarios: Scenario[];
    try {
      // tsx compiles these to CommonJS (the package is not "type": "module"), so require them
      // through node's module loader, which tsx has hooked.
      scenarios = createRequire(join(o.root, 'package.json'))(join(o.root, file)).default;
      if (!Array.isArray(scenarios)) throw new Error(`${file} must export default an array of scenario(...)`);
    } catch (err) {
      record({ file, title: `${file} (load)`, state: 'failed', durationMs: 0, error: describe(err) });
      continue;
    }
    for (const s of scenarios) {
      if (o.grep && !s.name.includes(o.grep)) continue;
      const started = Date.now();
      const ctx: ScenarioContext = {
        wb,
        workspace: o.workspace,
        extensionLog: o.extensionLog,
        extensionHostLog: o.extensionHostLog,
        screenshot: (name) => wb.screenshot(`${s.name}-${name}`),
      };
      try {
        await wb.reset();
        await withTimeout(s.run(ctx), s.timeoutMs, s.name);
        record({ file, title: s.name, state: 'passed', durationMs: Date.now() - started });
      } catch (err) {
        const shot = await wb.screenshot(`FAILED-${s.name}`).catch(() => undefined);
        record({
          file,
          title: s.name,
          state: 'failed',
          durationMs: Date.now() - started,
          error: describe(err) + (shot ? `\nscreenshot: ${shot}` : ''),
        });
      }
    }
  }
  return results;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`scenario "${what}" timed out after ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}
