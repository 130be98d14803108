/**
 * The extension-side cluster registry: every part of the extension (explorer, runbooks, config
 * language) gets its clusters here.
 *
 * - Reads `pegasus.clusters` from the settings and validates each entry with the zod schema in
 *   src/cluster/profile.ts; bad entries are reported (explorer items + one warning), good ones work.
 * - Holds one MetaClient per cluster (reused while its meta servers stay the same).
 * - Tracks the active cluster (per workspace) and fires change events.
 * - Starts a simulated cluster on demand ("Start Simulated Cluster") and stops it with VS Code.
 * - Keeps credentials in SecretStorage, never in settings.
 * - `notifyClusterChanged(name)`: runbook cells and engine steps call it after anything that
 *   changes a cluster, so the explorer refreshes (debounced) after every step.
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
import * as vscode from 'vscode';
import type { ClusterProfile } from '../cluster/profile';
import type { ClusterSnapshot } from '../cluster/snapshot';
import { MetaClient } from '../pegasus/metaClient';
import { parseTables, startSimulatedCluster } from '../simulator';
import { parseClusterSettings, type SettingsProblem } from './explorer/settings';
import { spawnSimulatorProcess } from './explorer/simProcess';

export interface RegisteredCluster {
  readonly profile: ClusterProfile;
  /** Started by "Start Simulated Cluster" (not from settings); gone when VS Code stops. */
  readonly simulated: boolean;
  /** The cluster's meta client; shared, never close it. */
  readonly client: MetaClient;
}

/** Payload of `onDidRefresh`: a complete snapshot just read from a cluster. */
export interface ClusterRefreshEvent {
  /** The cluster's name (as in `pegasus.clusters`, or "simulated"). */
  readonly name: string;
  /** Complete (`snapshot.complete === true`); treat as read-only, it is shared with the explorer. */
  readonly snapshot: ClusterSnapshot;
}

export interface SimulatedClusterOptions {
  /** Replica servers (default 5). */
  nodes?: number;
  /** `name:partitions:replicas,…` (default: the simulator's). */
  tables?: string;
  pegasusVersion?: '2.5' | '2.6';
  /** Simulated seconds per wall second (default 1: failure detection takes as long as for real). */
  timeScale?: number;
  seed?: number;
  /** Run it inside the extension host (default) or as a `pegasus-ops sim` child process. */
  process?: 'inProcess' | 'child';
}

interface RunningSim {
  readonly name: string;
  readonly metaServers: string[];
  readonly control: string;
  stop(): Promise<void>;
}

const ACTIVE_KEY = 'pegasus.activeCluster';
const SECRET_INDEX_KEY = 'pegasus.secretKeys';

export class ClusterRegistry implements vscode.Disposable {
  private clusters: RegisteredCluster[] = [];
  private settingsProblems: readonly SettingsProblem[] = [];
  private readonly clients = new Map<string, MetaClient>();
  private readonly sims = new Map<string, RunningSim>();
  private readonly simProfiles = new Map<string, ClusterProfile>();
  private readonly leaving = new Map<string, readonly string[]>();
  private activeName: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changeClusters = new vscode.EventEmitter<void>();
  private readonly changeActive = new vscode.EventEmitter<RegisteredCluster | undefined>();
  private readonly clusterChanged = new vscode.EventEmitter<string>();
  private readonly leavingChanged = new vscode.EventEmitter<string>();
  private readonly refreshed = new vscode.EventEmitter<ClusterRefreshEvent>();
  private lastWarned = '';
  /** Set by the explorer: the latest snapshot it holds for a cluster (for completions and pickers). */
  snapshotProvider: ((name: string) => ClusterSnapshot | undefined) | undefined;

  /** The list of clusters (or a settings problem) changed. */
  readonly onDidChangeClusters = this.changeClusters.event;
  readonly onDidChangeActive = this.changeActive.event;
  /** Something changed a cluster (a runbook step, an engine action): its views should refresh. */
  readonly onDidNotifyChange = this.clusterChanged.event;
  readonly onDidChangeLeaving = this.leavingChanged.event;
  /**
   * A new complete snapshot of a cluster arrived (after each successful refresh, whatever caused
   * it; failed refreshes do not fire). Listeners run synchronously: keep them cheap.
   */
  readonly onDidRefresh = this.refreshed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel | undefined,
  ) {
    this.activeName = context.workspaceState.get<string>(ACTIVE_KEY);
    this.reload();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('pegasus.clusters')) this.reload();
      }),
      this.changeClusters,
      this.changeActive,
      this.clusterChanged,
      this.leavingChanged,
      this.refreshed,
    );
  }

  list(): readonly RegisteredCluster[] {
    return this.clusters;
  }

  get(name: string): RegisteredCluster | undefined {
    return this.clusters.find((c) => c.profile.name === name);
  }

  get problems(): readonly SettingsProblem[] {
    return this.settingsProblems;
  }

  /** The active cluster: the one chosen (per workspace), else the only / first one. */
  get active(): RegisteredCluster | undefined {
    return (this.activeName !== undefined ? this.get(this.activeName) : undefined) ?? this.clusters[0];
  }

  async setActive(name: string): Promise<void> {
    if (!this.get(name))
      throw new Error(
        `no cluster named "${name}"; the configured ones are: ${this.clusters.map((c) => c.profile.name).join(', ') || 'none'}`,
      );
    this.activeName = name;
    await this.context.workspaceState.update(ACTIVE_KEY, name);
    this.changeActive.fire(this.active);
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

  // ---------- settings ----------

  private reload(): void {
    const raw = vscode.workspace.getConfiguration('pegasus').get<unknown>('clusters');
    const parsed = parseClusterSettings(raw);
    this.settingsProblems = parsed.problems;
    const profiles: { profile: ClusterProfile; simulated: boolean }[] = parsed.clusters.map((p) => ({ profile: p, simulated: false }));
    for (const [name, p] of this.simProfiles) {
      if (profiles.some((x) => x.profile.name === name)) continue;
      profiles.push({ profile: p, simulated: true });
    }
    const next: RegisteredCluster[] = [];
    const used = new Set<string>();
    for (const { profile, simulated } of profiles) {
      const key = `${profile.name}|${profile.metaServers.join(',')}`;
      let client = this.clients.get(key);
      if (!client) {
        client = new MetaClient({ metaServers: profile.metaServers, timeoutMs: 10_000 });
        this.clients.set(key, client);
      }
      used.add(key);
      next.push({ profile, simulated, client });
    }
    for (const [key, client] of this.clients) {
      if (!used.has(key)) {
        client.close();
        this.clients.delete(key);
      }
    }
    this.clusters = next;
    const msg = parsed.problems.map((p) => p.message).join('\n');
    if (msg && msg !== this.lastWarned) {
      this.log?.warn(`settings: ${msg}`);
      void vscode.window
        .showWarningMessage(
          `Pegasus: ${parsed.problems.length === 1 ? parsed.problems[0]!.message : `${parsed.problems.length} entries of pegasus.clusters are ignored; see the Clusters view.`}`,
          'Open Settings',
        )
        .then((pick) => {
          if (pick)
            void vscode.commands.executeCommand('workbench.action.openSettingsJson', { revealSetting: { key: 'pegasus.clusters' } });
        });
    }
    this.lastWarned = msg;
    this.changeClusters.fire();
  }

  // ---------- simulated cluster ----------

  get runningSimulations(): readonly string[] {
    return [...this.sims.keys()];
  }

  /**
   * Starts a simulated cluster — in the extension host (default), or as a child process
   * (`node dist/cli.js sim --port 0 …`, which prints one JSON line with the meta servers and the
   * control URL) — and adds it as a cluster named "simulated" (then "simulated-2", …). It stops
   * when VS Code stops (dispose) or on request.
   */
  async startSimulatedCluster(opts: SimulatedClusterOptions = {}): Promise<RegisteredCluster> {
    let name = 'simulated';
    for (let i = 2; this.get(name) || this.sims.has(name); i++) name = `simulated-${i}`;
    const sim = opts.process === 'child' ? await this.spawnSimulator(name, opts) : await this.startInProcess(name, opts);
    this.sims.set(name, sim);
    this.simProfiles.set(name, {
      name,
      metaServers: sim.metaServers,
      nodeControl: { kind: 'simulator', control: sim.control },
      production: false,
    });
    this.reload();
    void vscode.commands.executeCommand('setContext', 'pegasus.simulatedClusterRunning', true);
    if (!this.activeName || !this.get(this.activeName)) await this.setActive(name);
    this.log?.info(`simulated cluster "${name}" started: meta ${sim.metaServers.join(',')}, control ${sim.control}`);
    return this.get(name)!;
  }

  async stopSimulatedCluster(name?: string): Promise<void> {
    const target = name ?? [...this.sims.keys()].at(-1);
    if (!target) return;
    const sim = this.sims.get(target);
    if (!sim) throw new Error(`"${target}" is not a simulated cluster started here`);
    this.sims.delete(target);
    this.simProfiles.delete(target);
    await sim.stop();
    this.reload();
    void vscode.commands.executeCommand('setContext', 'pegasus.simulatedClusterRunning', this.sims.size > 0);
    this.log?.info(`simulated cluster "${target}" stopped`);
  }

  private async startInProcess(name: string, opts: SimulatedClusterOptions): Promise<RunningSim> {
    const sim = await startSimulatedCluster({
      nodes: opts.nodes ?? 5,
      ...(opts.tables ? { tables: parseTables(opts.tables) } : {}),
      ...(opts.pegasusVersion ? { version: opts.pegasusVersion } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      timeScale: opts.timeScale ?? 1,
    });
    return { name, metaServers: sim.metaServers, control: sim.controlUrl, stop: () => sim.close() };
  }

  private async spawnSimulator(name: string, opts: SimulatedClusterOptions): Promise<RunningSim> {
    const cli = this.context.asAbsolutePath('dist/cli.js');
    const args = [cli, 'sim', '--port', '0', '--nodes', String(opts.nodes ?? 5), '--time-scale', String(opts.timeScale ?? 1)];
    if (opts.tables) args.push('--tables', opts.tables);
    if (opts.pegasusVersion) args.push('--pegasus-version', opts.pegasusVersion);
    if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
    // The extension host's executable is Electron (or code-server's node); run it as plain node.
    const sim = await spawnSimulatorProcess(process.execPath, args, {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      onExit: (code) => this.log?.info(`simulated cluster "${name}" process exited (${code})`),
    });
    return { name, ...sim };
  }

  // ---------- credentials (SecretStorage) ----------

  private secretKey(cluster: string, key: string): string {
    return `pegasus.cluster/${cluster}/${key}`;
  }

  async getSecret(cluster: string, key: string): Promise<string | undefined> {
    return this.context.secrets.get(this.secretKey(cluster, key));
  }

  async storeSecret(cluster: string, key: string, value: string): Promise<void> {
    await this.context.secrets.store(this.secretKey(cluster, key), value);
    const index = this.context.globalState.get<Record<string, string[]>>(SECRET_INDEX_KEY) ?? {};
    index[cluster] = [...new Set([...(index[cluster] ?? []), key])];
    await this.context.globalState.update(SECRET_INDEX_KEY, index);
  }

  async secretKeys(cluster: string): Promise<readonly string[]> {
    return this.context.globalState.get<Record<string, string[]>>(SECRET_INDEX_KEY)?.[cluster] ?? [];
  }

  async forgetSecrets(cluster: string): Promise<number> {
    const index = this.context.globalState.get<Record<string, string[]>>(SECRET_INDEX_KEY) ?? {};
    const keys = index[cluster] ?? [];
    for (const k of keys) await this.context.secrets.delete(this.secretKey(cluster, k));
    delete index[cluster];
    await this.context.globalState.update(SECRET_INDEX_KEY, index);
    return keys.length;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    for (const s of this.sims.values()) void s.stop();
    this.sims.clear();
    if (registry === this) registry = undefined;
  }
}

let registry: ClusterRegistry | undefined;

/** Creates the registry once (the explorer does it at activation); later calls return the same one. */
export function initClusterRegistry(context: vscode.ExtensionContext, log?: vscode.LogOutputChannel): ClusterRegistry {
  if (!registry) {
    registry = new ClusterRegistry(context, log);
    context.subscriptions.push(registry);
  }
  return registry;
}

/** The registry, once the explorer has created it at activation. */
export function getClusterRegistry(): ClusterRegistry | undefined {
  return registry;
}

/** Tells the explorer (and anyone listening) that a step changed this cluster; safe to call any time. */
export function notifyClusterChanged(clusterName: string): void {
  registry?.notifyClusterChanged(clusterName);
}
