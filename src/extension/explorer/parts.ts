import type * as vscode from 'vscode';
import type { ClusterRegistry } from '../clusters';
import type { ExplorerController } from './controller';
import type { ExplorerTree } from './tree';
import type { Element } from './treeModel';

/** What the explorer's commands and indicators work on, made once by `registerExplorer`. */
export interface ExplorerParts {
  readonly registry: ClusterRegistry;
  readonly controller: ExplorerController;
  readonly tree: ExplorerTree;
  readonly view: vscode.TreeView<Element>;
}
