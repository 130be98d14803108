/**
 * The extension-side cluster registry: every part of the extension (explorer, runbooks, config
 * language) gets its clusters here. One module per job:
 *
 * - settings.ts: reads `pegasus.clusters` and validates each entry with the zod schema in
 *   src/cluster/profile.ts; bad entries are reported (explorer items + one warning), good ones work.
 * - clients.ts: one MetaClient per cluster (reused while its meta servers stay the same).
 * - active.ts: the active cluster (per workspace).
 * - simulators.ts: simulated clusters started on demand ("Start Simulated Cluster"), stopped with VS Code.
 * - credentials.ts: credentials in SecretStorage, never in settings.
 * - registry.ts: the registry composing them, with the shared events. `notifyClusterChanged(name)`:
 *   runbook cells and engine steps call it after anything that changes a cluster, so the explorer
 *   refreshes (debounced) after every step.
 *
 * Usage from other features:
 *   import { getClusterRegistry, notifyClusterChanged } from '../clusters';
 *   const reg = getClusterRegistry();          // undefined only if the explorer failed to start
 *   const c = reg?.get('prod') ?? reg?.active;  // { profile, simulated, client }
 *   await c.client.listNodes();
 *   notifyClusterChanged('prod');
 *
 *   // React to fresh data instead of polling: fires after every successful, complete refresh of
 *   // a cluster (explorer polling while visible, manual refresh, after runbook steps, and the
 *   // slower status-bar poll of the active cluster while the view is hidden).
 *   context.subscriptions.push(reg.onDidRefresh(({ name, snapshot }) => { … snapshot.nodes.length … }));
 *   reg.latestSnapshot('prod');                 // the same data, on demand (undefined before the first read)
 */
import type * as vscode from 'vscode';
import type { Logger } from '../log';
import { ClusterRegistry } from './registry';

export { ClusterRegistry };
export type { ClusterRefreshEvent, RegisteredCluster, SimulatedClusterOptions } from './types';

let registry: ClusterRegistry | undefined;

/** Creates the registry once (the explorer does it at activation); later calls return the same one. */
export function initClusterRegistry(context: vscode.ExtensionContext, log?: Logger): ClusterRegistry {
  if (!registry || registry.isDisposed) {
    registry = new ClusterRegistry(context, log);
    context.subscriptions.push(registry);
  }
  return registry;
}

/** The registry, once the explorer has created it at activation (undefined again once disposed). */
export function getClusterRegistry(): ClusterRegistry | undefined {
  return registry?.isDisposed ? undefined : registry;
}

/** Tells the explorer (and anyone listening) that a step changed this cluster; safe to call any time. */
export function notifyClusterChanged(clusterName: string): void {
  getClusterRegistry()?.notifyClusterChanged(clusterName);
}
