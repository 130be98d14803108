/**
 * What the window shows of the active cluster outside the tree: the status-bar item and the view's
 * badge with its unhealthy partitions.
 */
import type * as vscode from 'vscode';
import type { ClusterRegistry } from '../clusters';
import { Disposable } from '../disposable';
import { HIDDEN_POLL_FACTOR } from './schedule';
import { ClusterStatusBar } from './statusBar';
import type { ExplorerTree } from './tree';
import { clusterFacts, type Element } from './treeModel';
import { refreshIntervalFromConfig } from './workspaceConfig';

export class ActiveClusterStatus extends Disposable {
  private readonly statusBar: ClusterStatusBar;
  private readonly registry: ClusterRegistry;
  private readonly tree: ExplorerTree;
  private readonly view: vscode.TreeView<Element>;

  constructor(registry: ClusterRegistry, tree: ExplorerTree, view: vscode.TreeView<Element>) {
    super();
    this.registry = registry;
    this.tree = tree;
    this.view = view;
    this.statusBar = this.own(
      new ClusterStatusBar(() => {
        const v = this.activeView();
        const ms = refreshIntervalFromConfig();
        // The scheduler's rate: the interval while the view shows, HIDDEN_POLL_FACTOR× slower while hidden.
        const freshness = {
          now: Date.now(),
          pollMs: ms === 0 ? null : this.view.visible ? ms : ms * HIDDEN_POLL_FACTOR,
          viewVisible: this.view.visible,
        };
        return { active: v ? clusterFacts(v) : undefined, clusterCount: this.registry.list().length, freshness };
      }),
    );
  }

  update(): void {
    this.statusBar.update();
    const name = this.registry.active?.profile.name;
    const v = this.activeView();
    const unhealthy = v ? (clusterFacts(v).unhealthyPartitions ?? 0) : 0;
    this.view.badge = unhealthy > 0 ? { value: unhealthy, tooltip: `${unhealthy} unhealthy partitions in ${name}` } : undefined;
  }

  private activeView() {
    const name = this.registry.active?.profile.name;
    return name ? this.tree.context().clusters.find((c) => c.name === name) : undefined;
  }
}
