/**
 * The Pegasus cluster explorer (issue 7): the `pegasus.clusters` tree view, its commands, the
 * status-bar item and the cluster registry they share with the rest of the extension. This file
 * wires the parts; each lives in its own module.
 */
import * as vscode from 'vscode';
import { initClusterRegistry } from '../clusters';
import { logger } from '../log';
import { ActiveClusterStatus } from './activeStatus';
import { VIEW_ID } from './commandIds';
import { registerExplorerCommands } from './commands';
import { ExplorerController } from './controller';
import { syncRegistry } from './registrySync';
import { explorerConfig, refreshIntervalFromConfig } from './workspaceConfig';
import { ExplorerTree } from './tree';
import { DEFAULT_DISK_FILL_LIMIT_PCT } from './treeModel';
import { readReplicaData } from '../../cluster/replicaData';

const log = logger.tagged('explorer');

export function registerExplorer(context: vscode.ExtensionContext): void {
  const registry = initClusterRegistry(context);
  // The controller reports changes before the tree and the status exist: both are made right after.
  const late: { tree?: ExplorerTree; status?: ActiveClusterStatus } = {};
  const controller = new ExplorerController({
    intervalMs: refreshIntervalFromConfig(),
    concurrency: () => explorerConfig().get<number>('explorer.maxConcurrentRequests') ?? 16,
    readReplicaData: (nodes, opts) =>
      explorerConfig().get<boolean>('explorer.readReplicaServers') === false
        ? Promise.resolve({ dialect: opts.dialect, answered: [], replicas: [], disks: [], learning: [], unknown: [], readAt: Date.now() })
        : readReplicaData(nodes, opts),
    diskFillLimitPct: () => explorerConfig().get<number>('explorer.diskFillLimitPercent') ?? DEFAULT_DISK_FILL_LIMIT_PCT,
    onChange: (cluster) => {
      late.tree?.changed(cluster);
      if (cluster === undefined || cluster === registry.active?.profile.name) late.status?.update();
    },
    onSnapshot: (cluster, snapshot) => registry.publishSnapshot(cluster, snapshot),
    log: (level, msg) => log[level](msg),
  });
  registry.snapshotProvider = (name) => controller.snapshot(name);
  const tree = (late.tree = new ExplorerTree(controller, () => registry.problems));
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  const status = (late.status = new ActiveClusterStatus(registry, tree, view));
  const synced = syncRegistry(registry, controller);
  controller.setVisible(view.visible);

  context.subscriptions.push(
    controller,
    tree,
    view,
    status,
    ...synced,
    view.onDidChangeVisibility((e) => {
      controller.setVisible(e.visible);
      status.update();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pegasus.refreshInterval')) controller.setIntervalMs(refreshIntervalFromConfig());
    }),
  );
  registerExplorerCommands(context, { registry, controller, tree, view }, log);
}
