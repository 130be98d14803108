/** Command ids of the runbook feature's own actions (templates: RUNBOOK_TEMPLATE_COMMANDS in the explorer's ids). */
export const RUNBOOK_COMMANDS = {
  editCellOptions: 'pegasus.runbook.editCellOptions',
  showRunLog: 'pegasus.runbook.showRunLog',
  resume: 'pegasus.runbook.resume',
} as const;
