/** "Show Run Log": opens the run log written next to the runbook, rendered (see runLogView.ts). */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runLogPath } from '../../runbook/runLog';
import { RUNBOOK_COMMANDS } from './commandIds';
import { renderRunLog } from './runLogView';

/** Read-only documents `pegasus-runlog:/abs/path/x.runbook.journal.jsonl.md`: the log rendered as markdown. */
export const RUN_LOG_SCHEME = 'pegasus-runlog';

/**
 * The notebook a command was invoked for. The notebook toolbar passes a context (the notebook
 * document, or `{ notebookEditor: { notebookUri } }`), the explorer and tests pass a Uri, the
 * palette passes nothing (then the active notebook).
 */
export function notebookUriOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (!arg || typeof arg !== 'object') return undefined;
  const o = arg as { uri?: unknown; notebookUri?: unknown; notebookEditor?: { notebookUri?: unknown; notebook?: { uri?: unknown } } };
  for (const u of [o.uri, o.notebookUri, o.notebookEditor?.notebookUri, o.notebookEditor?.notebook?.uri])
    if (u instanceof vscode.Uri) return u;
  return undefined;
}

export function registerShowRunLog(context: vscode.ExtensionContext): void {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(RUN_LOG_SCHEME, {
      onDidChange: changed.event,
      provideTextDocumentContent(uri) {
        const file = vscode.Uri.from({ scheme: 'file', path: uri.path.replace(/\.md$/, '') }).fsPath;
        if (!existsSync(file)) return `# Run log: ${path.basename(file)}\n\n_No run log yet._\n`;
        // A path, not a file: link; the markdown preview does not follow file: links.
        return renderRunLog(readFileSync(file, 'utf8'), path.basename(file), file);
      },
    }),
    vscode.commands.registerCommand(RUNBOOK_COMMANDS.showRunLog, async (arg?: unknown) => {
      const uri = notebookUriOf(arg);
      const nb = uri
        ? vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === uri.toString())
        : vscode.window.activeNotebookEditor?.notebook;
      const target = nb?.uri ?? uri;
      if (!target || target.scheme !== 'file') return void vscode.window.showInformationMessage('Open a saved runbook to see its run log.');
      const file = runLogPath(target.fsPath);
      if (!existsSync(file))
        return void vscode.window.showInformationMessage(
          `No run log yet: ${path.basename(file)} is written next to the runbook on the first run.`,
        );
      const view = vscode.Uri.from({ scheme: RUN_LOG_SCHEME, path: `${vscode.Uri.file(file).path}.md` });
      // A second Show Run Log re-reads the file: the log grows while the runbook runs.
      changed.fire(view);
      try {
        await vscode.commands.executeCommand('markdown.showPreview', view);
      } catch {
        // Without the built-in markdown preview the rendered text is still readable as a document.
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(view), { preview: true });
      }
      // Returned for tests: the rendered document's uri.
      return view.toString();
    }),
  );
}
