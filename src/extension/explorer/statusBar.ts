/**
 * The status-bar item with the active cluster's health ("✓ prod: margin 2", "⚠ prod: 3 unhealthy",
 * "✗ prod: FROZEN"); clicking it opens the Clusters view. Its tooltip says how old the data is:
 * while the view is hidden the active cluster is polled more slowly, so the age can grow.
 */
import * as vscode from 'vscode';
import { statusBarView, type ClusterFacts, type Freshness } from './presentation';

export interface StatusBarFacts {
  active: ClusterFacts | undefined;
  clusterCount: number;
  freshness?: Freshness;
}

/** Re-renders this often so "read N s ago" in the tooltip stays true between refreshes. */
const AGE_TICK_MS = 15_000;

export class ClusterStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly tick: ReturnType<typeof setInterval>;

  constructor(private readonly facts: () => StatusBarFacts) {
    this.item = vscode.window.createStatusBarItem('pegasus.activeCluster', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Pegasus Cluster Health';
    this.item.command = { command: 'pegasus.clusters.focus', title: 'Open the Pegasus Clusters view' };
    this.update();
    this.item.show();
    this.tick = setInterval(() => this.update(), AGE_TICK_MS);
    this.tick.unref?.();
  }

  update(): void {
    const { active, clusterCount, freshness } = this.facts();
    const v = statusBarView(active, clusterCount, freshness);
    this.item.text = v.text;
    const md = new vscode.MarkdownString(v.tooltip, true);
    this.item.tooltip = md;
    this.item.backgroundColor =
      v.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : v.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.accessibilityInformation = { label: v.text.replace(/\$\([^)]*\)\s*/g, '') };
  }

  dispose(): void {
    clearInterval(this.tick);
    this.item.dispose();
  }
}
