// A UI scenario: one thing a person does in the workbench, with its own timeout. Files
// test/e2e/ui/<feature>.ui.ts export `default` as an array of scenarios.
import type { Workbench } from './workbench';

export interface ScenarioContext {
  wb: Workbench;
  /** Absolute path of the workspace folder the workbench has open (a fresh copy of test/e2e/workspace). */
  workspace: string;
  /** Current text of the "Pegasus Ops" output channel's log file ('' before activation). */
  extensionLog(): string;
  /** Current text of the extension host log (all extensions). */
  extensionHostLog(): string;
  /** Saves a screenshot named `<scenario>-<name>` and returns its path. */
  screenshot(name: string): Promise<string>;
}

export interface Scenario {
  name: string;
  run: (ctx: ScenarioContext) => Promise<void>;
  timeoutMs: number;
}

export function scenario(name: string, run: Scenario['run'], options: { timeoutMs?: number } = {}): Scenario {
  return { name, run, timeoutMs: options.timeoutMs ?? 60_000 };
}
