/** Keeps the explorer's controller in step with the cluster registry: clusters, active one, changes, leaving nodes. */
import * as vscode from 'vscode';
import type { ClusterRegistry } from '../clusters';
import type { ExplorerController } from './controller';

/** Syncs once now; the returned subscriptions keep syncing until disposed. */
export function syncRegistry(registry: ClusterRegistry, controller: ExplorerController): vscode.Disposable[] {
  const syncClusters = (): void => {
    controller.setClusters(
      registry.list().map((c) => ({
        name: c.profile.name,
        metaServers: c.profile.metaServers,
        production: c.profile.production ?? false,
        simulated: c.simulated,
        control: c.profile.nodeControl?.kind === 'simulator' ? c.profile.nodeControl.control : undefined,
        client: c.client,
      })),
      registry.active?.profile.name,
    );
    for (const c of registry.list()) controller.setLeaving(c.profile.name, registry.leavingNodes(c.profile.name));
    void vscode.commands.executeCommand('setContext', 'pegasus.clusterCount', registry.list().length);
  };
  syncClusters();
  return [
    registry.onDidChangeClusters(syncClusters),
    registry.onDidChangeActive((a) => controller.setActive(a?.profile.name)),
    registry.onDidNotifyChange((name) => controller.notifyChanged(name)),
    registry.onDidChangeLeaving((name) => controller.setLeaving(name, registry.leavingNodes(name))),
  ];
}
