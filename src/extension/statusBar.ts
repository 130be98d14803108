/**
 * The status-bar item with the active cluster's health ("✓ prod: margin 2", "⚠ prod: 3 unhealthy",
 * "✗ prod: FROZEN"); clicking it opens the Clusters view.
 */
import * as vscode from 'vscode';
import { statusBarView, type ClusterFacts } from './explorer/presentation';

export class ClusterStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(private readonly facts: () => { active: ClusterFacts | undefined; clusterCount: number }) {
    this.item = vscode.window.createStatusBarItem('pegasus.activeCluster', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Pegasus Cluster Health';
    this.item.command = { command: 'pegasus.clusters.focus', title: 'Open the Pegasus Clusters view' };
    this.update();
    this.item.show();
  }

  update(): void {
    const { active, clusterCount } = this.facts();
    const v = statusBarView(active, clusterCount);
    this.item.text = v.text;
    const md = new vscode.MarkdownString(v.tooltip, true);
    this.item.tooltip = md;
    this.item.backgroundColor =
      v.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : v.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground')
      : undefined;
    this.item.accessibilityInformation = { label: v.text.replace(/\$\([^)]*\)\s*/g, '') };
  }

  dispose(): void {
    this.item.dispose();
  }
}
