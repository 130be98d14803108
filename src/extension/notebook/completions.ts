/** Completions and hovers in `pegasus` cells, with the nodes and tables of the runbook's cluster. */
import * as vscode from 'vscode';
import { type CommandRegistry, completeAt, hoverAt } from '../../commands';
import { getClusterRegistry } from '../clusters';
import { notebookMeta } from './serializer';

const KINDS: Record<string, vscode.CompletionItemKind> = {
  command: vscode.CompletionItemKind.Function,
  flag: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.EnumMember,
  node: vscode.CompletionItemKind.Value,
  table: vscode.CompletionItemKind.Struct,
};

/** The runbook's cluster (front matter, else the active one) as the explorer last read it. */
function completionData(doc: vscode.TextDocument) {
  const nb = vscode.workspace.notebookDocuments.find((n) => n.getCells().some((c) => c.document === doc));
  const name = (nb ? notebookMeta(nb)?.frontMatter.cluster : undefined) ?? getClusterRegistry()?.active?.profile.name;
  const snap = name ? getClusterRegistry()?.latestSnapshot(name) : undefined;
  return snap
    ? { nodes: snap.nodes.map((n) => n.address), tables: snap.tables.map((t) => t.name), metaServers: [...snap.meta.metaServers] }
    : {};
}

export function registerCompletions(context: vscode.ExtensionContext, commands: CommandRegistry): void {
  const selector: vscode.DocumentSelector = { language: 'pegasus' };
  context.subscriptions.push(
    vscode.languages.registerCompletionItemProvider(
      selector,
      {
        provideCompletionItems(doc, pos) {
          const line = doc.lineAt(pos.line).text;
          const c = completeAt(commands, line, pos.character, completionData(doc));
          const range = new vscode.Range(pos.line, c.from, pos.line, c.to);
          return c.items.map((i) => {
            const item = new vscode.CompletionItem(i.label, KINDS[i.kind]);
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
  );
}
