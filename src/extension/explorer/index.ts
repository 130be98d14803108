// Placeholder: the cluster explorer (issue 7) replaces this file.
import type * as vscode from 'vscode';
export function registerExplorer(_context: vscode.ExtensionContext): void {}
