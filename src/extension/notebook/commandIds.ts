/** Command ids the runbook feature contributes (package.json lists the same). */
export const RUNBOOK_COMMANDS = {
  newScaleOut: 'pegasus.newScaleOutRunbook',
  newScaleIn: 'pegasus.newScaleInRunbook',
  newMigration: 'pegasus.newMigrationRunbook',
  editCellOptions: 'pegasus.runbook.editCellOptions',
  showRunLog: 'pegasus.runbook.showRunLog',
  resume: 'pegasus.runbook.resume',
} as const;
