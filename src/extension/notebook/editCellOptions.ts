/** "Edit Cell Options": the cell's options as JSON in an input box, validated, written to the cell's metadata. */
import * as vscode from 'vscode';
import { parseCellOptions, type CellOptions } from '../../runbook/cellOptions';
import { optionsToInfo } from '../../runbook/format';
import { RUNBOOK_COMMANDS } from './commandIds';
import { cellMeta, NOTEBOOK_TYPE } from './serializer';

export function registerEditCellOptions(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(RUNBOOK_COMMANDS.editCellOptions, async (cell?: vscode.NotebookCell) => {
      const target = cell ?? activeCell();
      if (!target || target.notebook.notebookType !== NOTEBOOK_TYPE) return;
      const current = optionsToInfo(cellMeta(target).options) || '{}';
      const value = await vscode.window.showInputBox({
        title: 'Cell options',
        prompt: 'JSON object: name, confirm (true/false), timeout ("30m"), continueOnError, excludeFromRunAll',
        value: current,
        validateInput: (v) => parseCellOptions(v).problems[0]?.message,
      });
      if (value === undefined) return;
      const options: CellOptions = parseCellOptions(value).value;
      const edit = new vscode.WorkspaceEdit();
      edit.set(target.notebook.uri, [
        vscode.NotebookEdit.updateCellMetadata(target.index, { ...target.metadata, runbook: { ...cellMeta(target), options } }),
      ]);
      await vscode.workspace.applyEdit(edit);
    }),
  );
}

function activeCell(): vscode.NotebookCell | undefined {
  const ed = vscode.window.activeNotebookEditor;
  const sel = ed?.selections[0];
  return ed && sel ? ed.notebook.cellAt(sel.start) : undefined;
}
