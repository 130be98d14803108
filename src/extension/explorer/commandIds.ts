/**
 * Command ids the explorer contributes, and the runbook template commands its node actions call.
 * The runbook feature (src/extension/notebook) registers the template commands; each takes one
 * argument `{ cluster: string, nodes: string[] }` (node addresses as the explorer shows them) and
 * opens a pre-filled runbook.
 */
export const RUNBOOK_TEMPLATE_COMMANDS = {
  scaleIn: 'pegasus.newScaleInRunbook',
  scaleOut: 'pegasus.newScaleOutRunbook',
  migrate: 'pegasus.newMigrationRunbook',
} as const;

export interface RunbookTemplateArgs {
  readonly cluster: string;
  readonly nodes: readonly string[];
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
