/** "Show Run Log": opens the run log written next to the runbook. */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runLogPath } from '../../runbook/runLog';
import { RUNBOOK_COMMANDS } from './commandIds';

export function registerShowRunLog(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(RUNBOOK_COMMANDS.showRunLog, async (arg?: vscode.Uri) => {
      const nb = arg
        ? vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === arg.toString())
        : vscode.window.activeNotebookEditor?.notebook;
      if (!nb || nb.uri.scheme !== 'file') return void vscode.window.showInformationMessage('Open a saved runbook to see its run log.');
      const file = runLogPath(nb.uri.fsPath);
      if (!existsSync(file))
        return void vscode.window.showInformationMessage(
          `No run log yet: ${path.basename(file)} is written next to the runbook on the first run.`,
        );
      await vscode.window.showTextDocument(vscode.Uri.file(file));
    }),
  );
}
