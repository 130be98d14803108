/** The explorer's VS Code settings (`pegasus.*`), read where they are used so changes apply at once. */
import * as vscode from 'vscode';
import { refreshIntervalMs } from './settings';

export function explorerConfig(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('pegasus');
}

/** `pegasus.refreshInterval` as the poll interval in ms; 0 turns polling off. */
export function refreshIntervalFromConfig(): number {
  return refreshIntervalMs(explorerConfig().get('refreshInterval'));
}
