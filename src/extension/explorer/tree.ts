/**
 * The VS Code adapter of the explorer: a TreeDataProvider over treeModel.ts. Children are computed
 * only when VS Code asks (expanded items), tooltips only on hover (resolveTreeItem). Elements are
 * interned by id because VS Code refreshes and reveals elements by object identity. A change fires
 * only the rows that look different: a re-render dismisses the tooltip and resets the row.
 */
import * as vscode from 'vscode';
import type { ExplorerController } from './controller';
import type { ItemView } from './presentation';
import { terminalSafe } from '../../commands/safeText';
import {
  changedElements,
  childrenOf,
  elementId,
  itemOf,
  parentOf,
  tooltipOf,
  type Element,
  type ExplorerFilter,
  type TreeContext,
} from './treeModel';

export class ExplorerTree implements vscode.TreeDataProvider<Element>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Element | Element[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly interned = new Map<string, Element>();
  /** Ids of the elements whose children VS Code asked for ('' for the top level). */
  private readonly asked = new Set<string>();
  private ctx: TreeContext | undefined;
  filter: ExplorerFilter | undefined;

  constructor(
    private readonly controller: ExplorerController,
    private readonly settingsProblems: () => readonly { message: string }[],
  ) {}

  /** The current view of every cluster; rebuilt after each change, shared by all item lookups. */
  context(): TreeContext {
    this.ctx ??= this.controller.context(this.settingsProblems(), this.filter);
    return this.ctx;
  }

  /** One cluster's data (or anything, when undefined) may have changed: re-render what looks different. */
  changed(cluster: string | undefined): void {
    const before = this.ctx;
    this.ctx = undefined;
    // Nothing was shown from the old context: VS Code has nothing to compare against.
    if (!before) return this.emitter.fire(undefined);
    const after = this.context();
    const shown = [...this.interned.values()]
      .filter((e) => cluster === undefined || e.cluster === cluster)
      .map((element) => ({ element, childrenAsked: this.asked.has(elementId(element)) }));
    const diff = changedElements(before, after, shown, this.asked.has(''));
    if (diff === 'all') this.emitter.fire(undefined);
    else if (diff.length > 0) this.emitter.fire(diff);
  }

  intern(e: Element): Element {
    const id = elementId(e);
    const old = this.interned.get(id);
    // Messages carry their text, so the newest one wins; everything else is identified by id alone.
    if (old && e.kind !== 'message') return old;
    this.interned.set(id, e);
    return e;
  }

  getTreeItem(e: Element): vscode.TreeItem {
    return toTreeItem(itemOf(this.context(), e), e);
  }

  getChildren(e?: Element): Element[] {
    this.asked.add(e ? elementId(e) : '');
    return childrenOf(this.context(), e).map((c) => this.intern(c));
  }

  getParent(e: Element): Element | undefined {
    const p = parentOf(this.context(), e);
    return p ? this.intern(p) : undefined;
  }

  resolveTreeItem(item: vscode.TreeItem, e: Element): vscode.TreeItem {
    const text = tooltipOf(this.context(), e);
    if (text) {
      const md = new vscode.MarkdownString(terminalSafe(text, TOOLTIP_MAX), true);
      md.isTrusted = false;
      item.tooltip = md;
    }
    return item;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

const COLLAPSIBLE = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
} as const;

/** A row shows server text (host names, table names, error names): control characters escaped, long text capped. */
const ROW_MAX = 256;
const TOOLTIP_MAX = 16_384;

export function toTreeItem(v: ItemView, e: Element): vscode.TreeItem {
  const label = terminalSafe(v.label, ROW_MAX, false);
  const description = v.description !== undefined ? terminalSafe(v.description, ROW_MAX, false) : undefined;
  const item = new vscode.TreeItem(label, COLLAPSIBLE[v.collapsible]);
  item.id = v.id;
  if (description !== undefined) item.description = description;
  if (v.icon) item.iconPath = new vscode.ThemeIcon(v.icon.id, v.icon.color ? new vscode.ThemeColor(v.icon.color) : undefined);
  if (v.contextValue) item.contextValue = v.contextValue;
  if (e.kind === 'message' && e.cluster !== undefined && e.severity === 'error') {
    item.command = { command: 'pegasus.explorer.refreshCluster', title: 'Retry', arguments: [{ kind: 'cluster', cluster: e.cluster }] };
  } else if (e.kind === 'message' && e.cluster === undefined) {
    item.command = { command: 'workbench.action.openSettings', title: 'Open Settings', arguments: ['pegasus.clusters'] };
  }
  // Screen readers read label + description; make the state explicit there too.
  item.accessibilityInformation = { label: [label, description].filter(Boolean).join(', ') };
  return item;
}
