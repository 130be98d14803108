/** Filtering the tree: problems only, or nodes and tables containing some text. */
import * as vscode from 'vscode';
import { EXPLORER_COMMANDS as CMD } from '../commandIds';
import type { ExplorerParts } from '../parts';
import { isFiltered } from '../treeModel';
import type { RegisterCommand } from './register';

export function registerFilterCommands(reg: RegisterCommand, { tree, view }: ExplorerParts): void {
  const setFilter = (f: { text?: string; problemsOnly?: boolean } | undefined): void => {
    tree.filter = isFiltered(f) ? f : undefined;
    const parts = [f?.problemsOnly ? 'problems only' : '', f?.text ? `"${f.text}"` : ''].filter(Boolean);
    view.message = tree.filter ? `Filtered: ${parts.join(', ')}` : undefined;
    void vscode.commands.executeCommand('setContext', 'pegasus.explorer.filtered', !!tree.filter);
    tree.changed(undefined);
  };

  reg(CMD.filter, async () => {
    const pick = await vscode.window.showQuickPick(
      [
        {
          label: '$(warning) Problems only',
          description: 'UNALIVE, black-listed or leaving nodes; unhealthy tables and partitions',
          id: 'problems',
        },
        { label: '$(search) Address or table name…', description: 'show nodes and tables containing some text', id: 'text' },
        { label: '$(clear-all) Clear filter', id: 'clear' },
      ],
      { title: 'Filter the Pegasus explorer' },
    );
    if (!pick) return;
    if (pick.id === 'clear') return setFilter(undefined);
    if (pick.id === 'problems') return setFilter({ ...tree.filter, problemsOnly: true });
    const text = await vscode.window.showInputBox({
      title: 'Filter nodes and tables',
      prompt: 'Part of a node address or a table name',
      value: tree.filter?.text ?? '',
    });
    if (text !== undefined) setFilter({ ...tree.filter, text: text.trim() || undefined });
  });
  reg(CMD.clearFilter, () => setFilter(undefined));
}
