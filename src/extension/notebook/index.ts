/**
 * Runbook notebooks in VS Code: the `*.runbook.md` serializer, the controller, the template
 * commands (called by the explorer's node actions with `{ cluster, nodes }`), cell options
 * editing, completions/hover/diagnostics for `pegasus` cells, and the offer to resume an
 * interrupted run when a runbook is opened. This file wires them; each lives in its own module.
 */
import * as vscode from 'vscode';
import type { CommandRegistry } from '../../commands';
import { logger } from '../log';
import { registerCellStatusBar } from './cellStatusBar';
import { registerCompletions } from './completions';
import { RunbookController } from './controller';
import { registerDiagnostics } from './diagnostics';
import { registerEditCellOptions } from './editCellOptions';
import { registerOutputLinks } from './outputLinks';
import { registerResume } from './resume';
import { registerShowRunLog } from './showRunLog';
import { describeProblems, NOTEBOOK_TYPE, RunbookSerializer } from './serializer';
import { registerTemplateCommands } from './templates';

export { RUNBOOK_COMMANDS } from './commandIds';

const log = logger.tagged('runbooks');

export function registerRunbooks(context: vscode.ExtensionContext, commands: CommandRegistry): void {
  const serializer = new RunbookSerializer((problems) => log.warn(describeProblems(problems, 'runbook')));
  const controller = new RunbookController(log, commands);
  context.subscriptions.push(
    vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, serializer, {
      transientOutputs: true,
      transientCellMetadata: { inputCollapsed: true, outputCollapsed: true },
    }),
    controller,
  );
  registerTemplateCommands(context, serializer);
  registerCellStatusBar(context);
  registerEditCellOptions(context);
  registerCompletions(context, commands);
  registerDiagnostics(context, commands);
  registerShowRunLog(context);
  registerOutputLinks(context, log);
  registerResume(context, controller);
}
