/**
 * Runbook notebooks in VS Code: the `*.runbook.md` serializer, the controller, the template
 * commands (called by the explorer's node actions with `{ cluster, nodes }`), cell options
 * editing, completions/hover/diagnostics for `pegasus` cells, and the offer to resume an
 * interrupted run when a runbook is opened.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as ext from '../extension';
import { getClusterRegistry } from '../clusters';
import { completeAt, hoverAt, parseScript, type CommandRegistry } from '../../commands';
import { parseCellOptions, type CellOptions } from '../../runbook/cellOptions';
import { optionsToInfo, parseRunbook } from '../../runbook/format';
import { cellLabels } from '../../runbook/headless';
import { findResumePoint, newSessionId, readCellRecords, RunLog, runLogPath, currentUser } from '../../runbook/runLog';
import { runbookTemplate, templateFileName, TEMPLATE_TITLES, type TemplateKind } from '../../runbook/templates';
import { RunbookController } from './controller';
import { cellMeta, describeProblems, notebookMeta, NOTEBOOK_TYPE, RunbookSerializer } from './serializer';

export const RUNBOOK_COMMANDS = {
  newScaleOut: 'pegasus.newScaleOutRunbook',
  newScaleIn: 'pegasus.newScaleInRunbook',
  newMigration: 'pegasus.newMigrationRunbook',
  editCellOptions: 'pegasus.runbook.editCellOptions',
  showRunLog: 'pegasus.runbook.showRunLog',
  resume: 'pegasus.runbook.resume',
} as const;

interface TemplateArgs {
  readonly cluster?: string;
  readonly nodes?: readonly string[];
  readonly from?: readonly string[];
  readonly to?: readonly string[];
  /** Tests: open the new runbook without showing it, and return it. */
  readonly show?: boolean;
}

export function registerRunbooks(context: vscode.ExtensionContext, commands: CommandRegistry): void {
  const log = ext.log;
  const serializer = new RunbookSerializer((problems) => log?.warn(`runbook: ${describeProblems(problems, 'runbook')}`));
  const controller = new RunbookController(log, commands);
  context.subscriptions.push(
    vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, serializer, {
      transientOutputs: true,
      transientCellMetadata: { inputCollapsed: true, outputCollapsed: true },
    }),
    controller,
  );

  // ---- templates
  const newRunbook = (kind: TemplateKind) => async (args?: TemplateArgs) => {
    const registry = getClusterRegistry();
    const clusterName = args?.cluster ?? registry?.active?.profile.name;
    const profile = clusterName ? registry?.get(clusterName)?.profile : undefined;
    let nodes = args?.nodes ? [...args.nodes] : undefined;
    if (!nodes && clusterName && args?.show !== false) nodes = await pickNodes(kind, clusterName);
    const text = runbookTemplate(kind, {
      ...(clusterName ? { cluster: clusterName } : {}),
      ...(nodes ? { nodes } : {}),
      ...(args?.from ? { from: args.from } : {}),
      ...(args?.to ? { to: args.to } : {}),
      ...(profile?.production ? { production: true } : {}),
    });
    const folder = vscode.workspace.workspaceFolders?.[0];
    let doc: vscode.NotebookDocument;
    if (folder && folder.uri.scheme === 'file') {
      // Runbooks are kept: write the file (never over an existing one) so its run log sits beside it.
      const dir = path.join(folder.uri.fsPath, 'runbooks');
      const first = path.join(dir, templateFileName(kind, clusterName));
      // The name ends in a date (…-2026-11-26.runbook.md): number copies from the original name,
      // never by rewriting a trailing "-NN" that belongs to the date.
      let file = first;
      for (let i = 2; existsSync(file); i++) file = first.replace(/\.runbook\.md$/, `.${i}.runbook.md`);
      await vscode.workspace.fs.writeFile(vscode.Uri.file(file), new TextEncoder().encode(text));
      doc = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
    } else {
      doc = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, serializer.deserializeNotebook(new TextEncoder().encode(text)));
    }
    if (args?.show !== false) await vscode.window.showNotebookDocument(doc);
    return doc;
  };
  context.subscriptions.push(
    vscode.commands.registerCommand(RUNBOOK_COMMANDS.newScaleOut, newRunbook('scale-out')),
    vscode.commands.registerCommand(RUNBOOK_COMMANDS.newScaleIn, newRunbook('scale-in')),
    vscode.commands.registerCommand(RUNBOOK_COMMANDS.newMigration, newRunbook('migrate')),
  );

  // ---- cell options: shown in the cell status bar, edited as JSON
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

  // ---- completions, hover and syntax diagnostics for pegasus cells
  const selector: vscode.DocumentSelector = { language: 'pegasus' };
  const completionData = (doc: vscode.TextDocument) => {
    const nb = vscode.workspace.notebookDocuments.find((n) => n.getCells().some((c) => c.document === doc));
    const name = (nb ? notebookMeta(nb)?.frontMatter.cluster : undefined) ?? getClusterRegistry()?.active?.profile.name;
    const snap = name ? getClusterRegistry()?.latestSnapshot(name) : undefined;
    return snap
      ? { nodes: snap.nodes.map((n) => n.address), tables: snap.tables.map((t) => t.name), metaServers: [...snap.meta.metaServers] }
      : {};
  };
  const kinds: Record<string, vscode.CompletionItemKind> = {
    command: vscode.CompletionItemKind.Function,
    flag: vscode.CompletionItemKind.Property,
    value: vscode.CompletionItemKind.EnumMember,
    node: vscode.CompletionItemKind.Value,
    table: vscode.CompletionItemKind.Struct,
  };
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
    vscode.languages.registerCompletionItemProvider(
      selector,
      {
        provideCompletionItems(doc, pos) {
          const line = doc.lineAt(pos.line).text;
          const c = completeAt(commands, line, pos.character, completionData(doc));
          const range = new vscode.Range(pos.line, c.from, pos.line, c.to);
          return c.items.map((i) => {
            const item = new vscode.CompletionItem(i.label, kinds[i.kind]);
            item.range = range;
            if (i.detail) item.detail = i.detail;
            if (i.documentation) item.documentation = new vscode.MarkdownString(i.documentation);
            return item;
          });
        },
      },
      ' ',
      '-',
      ',',
    ),
    vscode.languages.registerHoverProvider(selector, {
      provideHover(doc, pos) {
        const h = hoverAt(commands, doc.lineAt(pos.line).text, pos.character);
        return h ? new vscode.Hover(new vscode.MarkdownString(h.markdown), new vscode.Range(pos.line, h.from, pos.line, h.to)) : undefined;
      },
    }),
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

  // ---- run log and resume
  context.subscriptions.push(
    vscode.commands.registerCommand(RUNBOOK_COMMANDS.showRunLog, async (arg?: vscode.Uri) => {
      const nb = arg
        ? vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === arg.toString())
        : vscode.window.activeNotebookEditor?.notebook;
      if (!nb || nb.uri.scheme !== 'file') return void vscode.window.showInformationMessage('Open a saved runbook to see its run log.');
      const file = runLogPath(nb.uri.fsPath);
      if (!existsSync(file))
        return void vscode.window.showInformationMessage(
          `No run log yet: ${path.basename(file)} is written next to the runbook on the first run.`,
        );
      await vscode.window.showTextDocument(vscode.Uri.file(file));
    }),
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

function activeCell(): vscode.NotebookCell | undefined {
  const ed = vscode.window.activeNotebookEditor;
  const sel = ed?.selections[0];
  return ed && sel ? ed.notebook.cellAt(sel.start) : undefined;
}

async function pickNodes(kind: TemplateKind, cluster: string): Promise<string[] | undefined> {
  const snap = getClusterRegistry()?.latestSnapshot(cluster);
  if (!snap || snap.nodes.length === 0) return undefined;
  const picks = await vscode.window.showQuickPick(
    snap.nodes.map((n) => ({ label: n.address, description: `${n.status}, ${n.replicaCount} replicas, ${n.primaryCount} primaries` })),
    {
      canPickMany: true,
      title: `${TEMPLATE_TITLES[kind]}: ${kind === 'scale-out' ? 'nodes joining' : 'nodes leaving'} (${cluster})`,
      placeHolder: 'Pick nodes, or press Enter to fill them in later',
    },
  );
  return picks && picks.length ? picks.map((p) => p.label) : undefined;
}
