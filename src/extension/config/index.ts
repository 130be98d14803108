// Placeholder: the config language client (issue 8) replaces this file.
import type * as vscode from 'vscode';
export function registerConfigLanguage(_context: vscode.ExtensionContext): void {}
