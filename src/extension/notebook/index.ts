// Placeholder: runbook notebooks (issue 6) replace this file.
import type * as vscode from 'vscode';
export function registerRunbooks(_context: vscode.ExtensionContext): void {}
