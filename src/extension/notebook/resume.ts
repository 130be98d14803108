/**
 * Resuming an interrupted run: offered once when a runbook opens whose run log shows a run that
 * stopped mid-cell, and on request ("Resume Interrupted Run").
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseRunbook } from '../../runbook/format';
import { cellLabels } from '../../runbook/headless';
import { currentUser } from '../../cluster/operator';
import { findResumePoint, newSessionId, readCellRecords, RunLog, runLogPath } from '../../runbook/runLog';
import { RUNBOOK_COMMANDS } from './commandIds';
import type { RunbookController } from './controller';
import { NOTEBOOK_TYPE } from './serializer';

export function registerResume(context: vscode.ExtensionContext, controller: RunbookController): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(RUNBOOK_COMMANDS.resume, async (arg?: vscode.Uri) => {
      const nb = arg
        ? vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === arg.toString())
        : vscode.window.activeNotebookEditor?.notebook;
      if (nb) await offerResume(nb, controller, true);
    }),
    vscode.workspace.onDidOpenNotebookDocument((nb) => void offerResume(nb, controller, false)),
  );
  for (const nb of vscode.workspace.notebookDocuments) void offerResume(nb, controller, false);
}

const offered = new Set<string>();

/**
 * The label headless output uses for a cell (`[k/N] line L`), from the runbook as saved, so the
 * offer names the cell as `pegasus-ops run` printed it; the run log's own line if the file is gone.
 */
function labelOf(fsPath: string, index: number, loggedLine: number | undefined): string {
  try {
    const label = cellLabels(parseRunbook(readFileSync(fsPath, 'utf8'))).get(index);
    if (label) return label;
  } catch {
    // Unreadable file: fall through to the line the run log recorded.
  }
  return `line ${loggedLine ?? '?'}`;
}

/**
 * When the run log shows a run that stopped mid-cell (crash, editor closed) or was cancelled or
 * timed out there, offers to continue from that cell — the same resume point as `run --resume`.
 */
async function offerResume(nb: vscode.NotebookDocument, controller: RunbookController, explicit: boolean): Promise<void> {
  if (nb.notebookType !== NOTEBOOK_TYPE || nb.uri.scheme !== 'file') return;
  const key = nb.uri.toString();
  if (!explicit && offered.has(key)) return;
  offered.add(key);
  const file = runLogPath(nb.uri.fsPath);
  const point = findResumePoint(readCellRecords(file));
  if (!point) {
    if (explicit)
      void vscode.window.showInformationMessage('Nothing to resume: the run log has no interrupted, cancelled or timed-out run.');
    return;
  }
  const cells = nb.getCells().filter((c) => c.index >= point.cell.index && c.kind === vscode.NotebookCellKind.Code);
  const first = cells[0];
  const moved = !first || first.index !== point.cell.index || first.document.getText() !== point.cell.command;
  const label = labelOf(nb.uri.fsPath, point.cell.index, point.cell.line);
  const name = point.cell.name ? ` "${point.cell.name}"` : '';
  const pick = await vscode.window.showWarningMessage(
    `The run of ${path.basename(nb.uri.fsPath)} on "${point.cell.cluster}" stopped in cell ${label}${name} (${point.cell.command.split('\n')[0]}): ${point.how} at ${new Date(point.at).toLocaleString()} (${point.cell.who}).`,
    {
      detail: `Resume continues that cell from the journal (finished engine steps are not repeated) and then runs the cells after it.${moved ? '\nNote: the cell at that position has changed since.' : ''}`,
    },
    'Resume',
    'Show Run Log',
    'Dismiss',
  );
  if (pick === 'Resume' && cells.length) {
    await controller.run(cells, nb, { resume: true, resumes: point.session });
  } else if (pick === 'Show Run Log') {
    await vscode.window.showTextDocument(vscode.Uri.file(file));
  } else if (pick === 'Dismiss') {
    // Recorded, so the offer is not repeated on every open.
    const { durationMs: _ms, summary: _summary, ...cell } = point.cell;
    new RunLog(file, newSessionId()).append({
      ...cell,
      status: 'skipped',
      who: currentUser(),
      host: 'vscode',
      error: 'resume declined',
      resumes: point.session,
    });
  }
}
