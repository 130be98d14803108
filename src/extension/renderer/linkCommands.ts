/**
 * The commands a link in runbook cell output may run (shared by the webview renderer and the
 * extension side that runs them). Only these: output text can carry names read from a cluster,
 * so a link must not reach any other command.
 */
export const OUTPUT_LINK_COMMANDS = [
  'pegasus.startSimulatedCluster',
  'pegasus.addCluster',
  'pegasus.runbook.showRunLog',
  'pegasus.clusters.focus',
] as const;

export const COMMAND_LINKS_RENDERER_ID = 'pegasus-ops.command-links';
