/** Syntax diagnostics of `pegasus` cells: the parser's errors with their columns and usage, 300 ms after typing stops. */
import * as vscode from 'vscode';
import { type CommandRegistry, parseScript } from '../../commands';

export function registerDiagnostics(context: vscode.ExtensionContext, commands: CommandRegistry): void {
  const diagnostics = vscode.languages.createDiagnosticCollection('pegasus-runbook');
  const timers = new Map<string, NodeJS.Timeout>();
  const check = (doc: vscode.TextDocument) => {
    if (doc.languageId !== 'pegasus') return;
    const p = parseScript(commands, doc.getText());
    diagnostics.set(
      doc.uri,
      p.ok
        ? []
        : p.errors.map((e) => {
            const d = new vscode.Diagnostic(
              new vscode.Range(e.line - 1, e.column - 1, e.line - 1, e.column - 1 + e.length),
              e.message + (e.usage ? `\nusage: ${e.usage}` : ''),
              vscode.DiagnosticSeverity.Error,
            );
            d.source = 'pegasus';
            return d;
          }),
    );
  };
  context.subscriptions.push(
    diagnostics,
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.languageId !== 'pegasus') return;
      const key = e.document.uri.toString();
      clearTimeout(timers.get(key));
      timers.set(
        key,
        setTimeout(() => check(e.document), 300),
      );
    }),
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidCloseTextDocument((d) => diagnostics.delete(d.uri)),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  for (const d of vscode.workspace.textDocuments) check(d);
}
