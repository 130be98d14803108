/** The cell status bar of `pegasus` cells: the cluster the cell runs against, and its options (click to edit). */
import * as vscode from 'vscode';
import type { CellOptions } from '../../runbook/cellOptions';
import { getClusterRegistry } from '../clusters';
import { RUNBOOK_COMMANDS } from './commandIds';
import { cellMeta, notebookMeta, NOTEBOOK_TYPE } from './serializer';

export function registerCellStatusBar(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.notebooks.registerNotebookCellStatusBarItemProvider(NOTEBOOK_TYPE, {
      provideCellStatusBarItems(cell) {
        if (cell.kind !== vscode.NotebookCellKind.Code) return [];
        const items: vscode.NotebookCellStatusBarItem[] = [];
        const meta = notebookMeta(cell.notebook);
        const cluster = meta?.frontMatter.cluster ?? getClusterRegistry()?.active?.profile.name;
        const prod = meta?.frontMatter.production || (cluster ? getClusterRegistry()?.get(cluster)?.profile.production : false);
        if (cluster) {
          const it = new vscode.NotebookCellStatusBarItem(
            `$(server) ${cluster}${prod ? ' (production)' : ''}`,
            vscode.NotebookCellStatusBarAlignment.Right,
          );
          it.tooltip = `Runs against cluster "${cluster}"${meta?.frontMatter.cluster ? ' (front matter)' : ' (the active cluster: the runbook names none)'}`;
          items.push(it);
        }
        const o = cellMeta(cell).options ?? {};
        const label = optionLabel(o);
        const opt = new vscode.NotebookCellStatusBarItem(
          label ? `$(settings-gear) ${label}` : '$(settings-gear) options',
          vscode.NotebookCellStatusBarAlignment.Left,
        );
        opt.command = { title: 'Edit Cell Options', command: RUNBOOK_COMMANDS.editCellOptions, arguments: [cell] };
        opt.tooltip = 'Cell options (JSON after ```pegasus): name, confirm, timeout, continueOnError, excludeFromRunAll';
        items.push(opt);
        return items;
      },
    }),
  );
}

function optionLabel(o: CellOptions): string {
  const parts: string[] = [];
  if (o.name) parts.push(o.name);
  if (o.confirm === true) parts.push('confirm');
  if (o.confirm === false) parts.push('no confirm');
  if (o.timeout !== undefined) parts.push(`timeout ${o.timeout}`);
  if (o.continueOnError) parts.push('continue on error');
  if (o.excludeFromRunAll) parts.push('not in run-all');
  return parts.join(' · ');
}
