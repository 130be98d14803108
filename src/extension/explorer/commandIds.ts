/**
 * Command ids the explorer contributes, and the runbook template commands its node actions call.
 * The runbook feature (src/extension/notebook) registers the template commands; each takes one
 * `RunbookTemplateArgs` and opens a pre-filled runbook.
 */
import type { TemplateKind } from '../../runbook/templates';

/** One command per template; package.json contributes each with the template's title (TEMPLATE_TITLES). */
export const RUNBOOK_TEMPLATE_COMMANDS: Readonly<Record<TemplateKind, string>> = {
  'scale-in': 'pegasus.newScaleInRunbook',
  'scale-out': 'pegasus.newScaleOutRunbook',
  migrate: 'pegasus.newMigrationRunbook',
};

export interface RunbookTemplateArgs {
  readonly cluster?: string;
  /** Node addresses as the explorer shows them; without them the command asks. */
  readonly nodes?: readonly string[];
  /** migrate only. */
  readonly from?: readonly string[];
  readonly to?: readonly string[];
  /** Tests: open the new runbook without showing it, and return it. */
  readonly show?: boolean;
}

export const EXPLORER_COMMANDS = {
  refresh: 'pegasus.explorer.refresh',
  refreshCluster: 'pegasus.explorer.refreshCluster',
  startSimulatedCluster: 'pegasus.startSimulatedCluster',
  stopSimulatedCluster: 'pegasus.stopSimulatedCluster',
  addCluster: 'pegasus.addCluster',
  setActiveCluster: 'pegasus.setActiveCluster',
  filter: 'pegasus.explorer.filter',
  clearFilter: 'pegasus.explorer.clearFilter',
  scaleIn: 'pegasus.explorer.scaleIn',
  scaleOut: 'pegasus.explorer.scaleOut',
  migrateNodes: 'pegasus.explorer.migrateNodes',
  copyAddress: 'pegasus.explorer.copyAddress',
  revealReplicas: 'pegasus.explorer.revealReplicas',
  storeClusterCredential: 'pegasus.storeClusterCredential',
  forgetClusterCredentials: 'pegasus.forgetClusterCredentials',
  /** For tests: returns the explorer's current state (labels and descriptions of visible items). */
  inspect: 'pegasus.explorer.inspect',
} as const;

export const VIEW_ID = 'pegasus.clusters';
