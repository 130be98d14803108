/** Quick picks for commands run from the palette, where no tree item says which cluster or nodes. */
import * as vscode from 'vscode';
import type { ClusterRegistry } from '../../clusters';
import type { ExplorerController } from '../controller';

export async function pickCluster(registry: ClusterRegistry, title: string): Promise<string | undefined> {
  const list = registry.list();
  if (list.length === 0) {
    void vscode.window.showInformationMessage(
      'No Pegasus cluster is configured. Start a simulated cluster or add one in the Clusters view.',
    );
    return undefined;
  }
  if (list.length === 1) return list[0]!.profile.name;
  const pick = await vscode.window.showQuickPick(
    list.map((c) => ({
      label: c.profile.name,
      description: c.profile.metaServers.join(', '),
      detail: c === registry.active ? 'active' : undefined,
    })),
    { title },
  );
  return pick?.label;
}

export async function pickNodes(
  registry: ClusterRegistry,
  controller: ExplorerController,
  what: string,
): Promise<{ cluster: string; nodes: string[] } | undefined> {
  const cluster = await pickCluster(registry, `${what}: which cluster?`);
  if (!cluster) return undefined;
  const snap = controller.snapshot(cluster);
  if (!snap) {
    void vscode.window.showWarningMessage(`${cluster} has not been read yet; wait for the Clusters view to load it.`);
    return undefined;
  }
  const picks = await vscode.window.showQuickPick(
    snap.nodes.map((n) => ({
      label: n.address,
      description: `${n.status} · ${n.replicaCount} replicas (${n.primaryCount} P · ${n.secondaryCount} S)`,
    })),
    { title: `${what}: which nodes of ${cluster}?`, canPickMany: true },
  );
  return picks ? { cluster, nodes: picks.map((p) => p.label) } : undefined;
}
