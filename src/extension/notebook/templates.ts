/**
 * "New Scale-Out / Scale-In / Node Migration Runbook": a template filled with the cluster and
 * nodes (from the explorer's node actions, or picked), written under `runbooks/` and opened.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runbookTemplate, templateFileName, TEMPLATE_TITLES, type TemplateKind } from '../../runbook/templates';
import { getClusterRegistry } from '../clusters';
import { RUNBOOK_TEMPLATE_COMMANDS, type RunbookTemplateArgs } from '../explorer/commandIds';
import { NOTEBOOK_TYPE, type RunbookSerializer } from './serializer';

export function registerTemplateCommands(context: vscode.ExtensionContext, serializer: RunbookSerializer): void {
  const newRunbook = (kind: TemplateKind) => async (args?: RunbookTemplateArgs) => {
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
  for (const [kind, command] of Object.entries(RUNBOOK_TEMPLATE_COMMANDS) as [TemplateKind, string][])
    context.subscriptions.push(vscode.commands.registerCommand(command, newRunbook(kind)));
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
