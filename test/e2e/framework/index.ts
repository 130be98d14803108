// Public surface for UI scenarios (test/e2e/ui/<feature>.ui.ts).
export { Workbench } from './workbench';
export type { WorkbenchOptions } from './workbench';
export { scenario } from './scenario';
export type { Scenario, ScenarioContext } from './scenario';
