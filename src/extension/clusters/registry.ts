/**
 * The one object the rest of the extension asks for clusters: it composes the settings, the meta
 * clients, the active cluster, the simulated clusters and the credentials, and carries the events
 * the features share (a cluster changed, nodes leaving, a fresh snapshot).
 */
import * as vscode from 'vscode';
import type { ClusterProfile } from '../../cluster/profile';
import type { ClusterSnapshot } from '../../cluster/snapshot';
import { Disposable } from '../disposable';
import type { SettingsProblem } from '../explorer/settings';
import { logger, type Logger } from '../log';
import { ActiveCluster } from './active';
import { MetaClients } from './clients';
import { ClusterCredentials } from './credentials';
import { ClusterSettings } from './settings';
import { SimulatedClusters } from './simulators';
import type { ClusterRefreshEvent, RegisteredCluster, SimulatedClusterOptions } from './types';

export class ClusterRegistry extends Disposable {
  private clusters: RegisteredCluster[] = [];
  private readonly leaving = new Map<string, readonly string[]>();
  private readonly changeClusters = this.own(new vscode.EventEmitter<void>());
  private readonly clusterChanged = this.own(new vscode.EventEmitter<string>());
  private readonly leavingChanged = this.own(new vscode.EventEmitter<string>());
  private readonly refreshed = this.own(new vscode.EventEmitter<ClusterRefreshEvent>());
  private readonly log: Logger;
  private readonly activeCluster: ActiveCluster;
  private readonly settings: ClusterSettings;
  private readonly clients: MetaClients;
  private readonly simulators: SimulatedClusters;
  private readonly credentials: ClusterCredentials;
  /** Set by the explorer: the latest snapshot it holds for a cluster (for completions and pickers). */
  snapshotProvider: ((name: string) => ClusterSnapshot | undefined) | undefined;

  /** The list of clusters (or a settings problem) changed. */
  readonly onDidChangeClusters = this.changeClusters.event;
  readonly onDidChangeActive: vscode.Event<RegisteredCluster | undefined>;
  /** Something changed a cluster (a runbook step, an engine action): its views should refresh. */
  readonly onDidNotifyChange = this.clusterChanged.event;
  readonly onDidChangeLeaving = this.leavingChanged.event;
  /**
   * A new complete snapshot of a cluster arrived (after each successful refresh, whatever caused
   * it; failed refreshes do not fire). Listeners run synchronously: keep them cheap.
   */
  readonly onDidRefresh = this.refreshed.event;

  constructor(context: vscode.ExtensionContext, log: Logger = logger.tagged('clusters')) {
    super();
    this.log = log;
    this.activeCluster = this.own(new ActiveCluster(context.workspaceState, () => this.clusters));
    this.onDidChangeActive = this.activeCluster.onDidChange;
    this.settings = this.own(new ClusterSettings(log));
    this.clients = this.own(new MetaClients());
    this.simulators = this.own(new SimulatedClusters(context.asAbsolutePath('dist/cli.js'), log));
    this.credentials = new ClusterCredentials(context.secrets, context.globalState);
    this.compose();
    this.own(this.settings.onDidChange(() => this.compose()));
  }

  list(): readonly RegisteredCluster[] {
    return this.clusters;
  }

  get(name: string): RegisteredCluster | undefined {
    return this.clusters.find((c) => c.profile.name === name);
  }

  get problems(): readonly SettingsProblem[] {
    return this.settings.problems;
  }

  /** The active cluster: the one chosen (per workspace), else the only / first one. */
  get active(): RegisteredCluster | undefined {
    return this.activeCluster.current;
  }

  setActive(name: string): Promise<void> {
    return this.activeCluster.set(name);
  }

  notifyClusterChanged(name: string): void {
    this.clusterChanged.fire(name);
  }

  /** Marks the nodes a running scale-in / migration drains (shown as "leaving"); [] clears. */
  setLeavingNodes(name: string, nodes: readonly string[]): void {
    if (nodes.length === 0) this.leaving.delete(name);
    else this.leaving.set(name, [...nodes]);
    this.leavingChanged.fire(name);
  }

  leavingNodes(name: string): readonly string[] {
    return this.leaving.get(name) ?? [];
  }

  latestSnapshot(name: string): ClusterSnapshot | undefined {
    return this.snapshotProvider?.(name);
  }

  /** Called by the explorer when a refresh produced a complete snapshot; fires `onDidRefresh`. */
  publishSnapshot(name: string, snapshot: ClusterSnapshot): void {
    // Only complete snapshots: a first-paint one has no partitions and would read as "0 replicas".
    if (!snapshot.complete || !this.get(name)) return;
    this.refreshed.fire({ name, snapshot });
  }

  // ---------- simulated clusters ----------

  get runningSimulations(): readonly string[] {
    return this.simulators.names;
  }

  /** Starts a simulated cluster and lists it; it becomes active unless a listed cluster was chosen. */
  async startSimulatedCluster(opts: SimulatedClusterOptions = {}): Promise<RegisteredCluster> {
    const sim = await this.simulators.start(opts, (name) => this.get(name) !== undefined);
    this.compose();
    if (!this.activeCluster.chosenIsListed) await this.setActive(sim.name);
    this.log.info(`simulated cluster "${sim.name}" started: meta ${sim.metaServers.join(',')}, control ${sim.control}`);
    return this.get(sim.name)!;
  }

  async stopSimulatedCluster(name?: string): Promise<void> {
    if ((await this.simulators.stop(name)) !== undefined) this.compose();
  }

  // ---------- credentials ----------

  getSecret(cluster: string, key: string): Promise<string | undefined> {
    return this.credentials.get(cluster, key);
  }

  storeSecret(cluster: string, key: string, value: string): Promise<void> {
    return this.credentials.store(cluster, key, value);
  }

  secretKeys(cluster: string): Promise<readonly string[]> {
    return this.credentials.keys(cluster);
  }

  forgetSecrets(cluster: string): Promise<number> {
    return this.credentials.forget(cluster);
  }

  /** The clusters from settings, then the simulated ones whose names settings do not use. */
  private compose(): void {
    const entries: { profile: ClusterProfile; simulated: boolean }[] = this.settings.profiles.map((p) => ({
      profile: p,
      simulated: false,
    }));
    for (const [name, p] of this.simulators.profiles) {
      if (entries.some((x) => x.profile.name === name)) continue;
      entries.push({ profile: p, simulated: true });
    }
    const clients = this.clients.retain(entries.map((e) => e.profile));
    this.clusters = entries.map((e, i) => ({ ...e, client: clients[i]! }));
    this.changeClusters.fire();
  }
}
