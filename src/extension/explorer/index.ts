/**
 * The Pegasus cluster explorer (issue 7): the `pegasus.clusters` tree view, its commands, the
 * status-bar item and the cluster registry they share with the rest of the extension.
 */
import * as vscode from 'vscode';
import * as ext from '../extension';
import { isHostPort } from '../../cluster/address';
import { initClusterRegistry, type ClusterRegistry, type SimulatedClusterOptions } from '../clusters';
import { ClusterStatusBar } from '../statusBar';
import { EXPLORER_COMMANDS as CMD, RUNBOOK_TEMPLATE_COMMANDS, VIEW_ID, type RunbookTemplateArgs } from './commandIds';
import { ExplorerController } from './controller';
import { isFiltered, clusterFacts, itemOf, childrenOf, elementId, replicaElementsOf, selectedNodes, type Element } from './treeModel';
import { refreshIntervalMs } from './settings';
import { HIDDEN_POLL_FACTOR } from './schedule';
import { ExplorerTree } from './tree';

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('pegasus');
}

export function registerExplorer(context: vscode.ExtensionContext): void {
  const registry = initClusterRegistry(context, ext.log);
  const controller = new ExplorerController({
    intervalMs: refreshIntervalMs(config().get('refreshInterval')),
    concurrency: () => config().get<number>('explorer.maxConcurrentRequests') ?? 16,
    onChange: (cluster) => {
      tree.changed(cluster);
      if (cluster === undefined || cluster === registry.active?.profile.name) updateActive();
    },
    onSnapshot: (cluster, snapshot) => registry.publishSnapshot(cluster, snapshot),
    log: (level, msg) => ext.log?.[level](msg),
  });
  registry.snapshotProvider = (name) => controller.snapshot(name);
  const tree = new ExplorerTree(controller, () => registry.problems);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  const statusBar = new ClusterStatusBar(() => {
    const active = registry.active;
    const v = active ? tree.context().clusters.find((c) => c.name === active.profile.name) : undefined;
    const ms = refreshIntervalMs(config().get('refreshInterval'));
    // The scheduler's rate: the interval while the view shows, HIDDEN_POLL_FACTOR× slower while hidden.
    const freshness = { now: Date.now(), pollMs: ms === 0 ? null : view.visible ? ms : ms * HIDDEN_POLL_FACTOR, viewVisible: view.visible };
    return { active: v ? clusterFacts(v) : undefined, clusterCount: registry.list().length, freshness };
  });

  function updateActive(): void {
    statusBar.update();
    const name = registry.active?.profile.name;
    const v = name ? tree.context().clusters.find((c) => c.name === name) : undefined;
    const unhealthy = v ? (clusterFacts(v).unhealthyPartitions ?? 0) : 0;
    view.badge = unhealthy > 0 ? { value: unhealthy, tooltip: `${unhealthy} unhealthy partitions in ${name}` } : undefined;
  }

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
  controller.setVisible(view.visible);

  context.subscriptions.push(
    controller,
    tree,
    view,
    statusBar,
    view.onDidChangeVisibility((e) => {
      controller.setVisible(e.visible);
      statusBar.update();
    }),
    registry.onDidChangeClusters(syncClusters),
    registry.onDidChangeActive((a) => controller.setActive(a?.profile.name)),
    registry.onDidNotifyChange((name) => controller.notifyChanged(name)),
    registry.onDidChangeLeaving((name) => controller.setLeaving(name, registry.leavingNodes(name))),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pegasus.refreshInterval')) controller.setIntervalMs(refreshIntervalMs(config().get('refreshInterval')));
    }),
  );

  const reg = (id: string, fn: (...args: never[]) => unknown): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          ext.log?.error(`${id}: ${msg}`);
          void vscode.window.showErrorMessage(`Pegasus: ${msg}`);
          return undefined;
        }
      }),
    );
  };

  const withViewProgress = (p: Promise<unknown>): Thenable<unknown> =>
    vscode.window.withProgress({ location: { viewId: VIEW_ID } }, () => p);

  reg(CMD.refresh, () => {
    controller.refresh(undefined, 'manual');
    return withViewProgress(controller.idle());
  });
  reg(CMD.refreshCluster, (e?: Element | string) => {
    const name = typeof e === 'string' ? e : e && 'cluster' in e ? e.cluster : undefined;
    controller.refresh(name, 'manual');
    return withViewProgress(controller.idle());
  });

  reg(CMD.startSimulatedCluster, async (opts?: SimulatedClusterOptions) => {
    const cfg = config();
    const merged: SimulatedClusterOptions = {
      nodes: cfg.get<number>('simulatedCluster.nodes') ?? 5,
      tables: cfg.get<string>('simulatedCluster.tables') || undefined,
      timeScale: cfg.get<number>('simulatedCluster.timeScale') ?? 1,
      process: cfg.get<'inProcess' | 'child'>('simulatedCluster.process') ?? 'inProcess',
      ...opts,
    };
    const c = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Starting a simulated Pegasus cluster…' },
      () => registry.startSimulatedCluster(merged),
    );
    void vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    // Returned for tests and automation: where the cluster listens and how to control it.
    return { name: c.profile.name, metaServers: c.profile.metaServers, nodeControl: c.profile.nodeControl };
  });
  reg(CMD.stopSimulatedCluster, (e?: Element) => registry.stopSimulatedCluster(e && 'cluster' in e ? e.cluster : undefined));

  reg(CMD.addCluster, () => addCluster(registry));
  reg(CMD.setActiveCluster, async (e?: Element | string) => {
    let name = typeof e === 'string' ? e : e && 'cluster' in e ? e.cluster : undefined;
    name ??= await pickCluster(registry, 'Set the active Pegasus cluster');
    if (name) await registry.setActive(name);
  });

  reg(CMD.filter, async () => {
    const pick = await vscode.window.showQuickPick(
      [
        {
          label: '$(warning) Problems only',
          description: 'UNALIVE, black-listed or leaving nodes; unhealthy tables and partitions',
          id: 'problems',
        },
        { label: '$(search) Address or table name…', description: 'show nodes and tables containing some text', id: 'text' },
        { label: '$(clear-all) Clear filter', id: 'clear' },
      ],
      { title: 'Filter the Pegasus explorer' },
    );
    if (!pick) return;
    if (pick.id === 'clear') return setFilter(undefined);
    if (pick.id === 'problems') return setFilter({ ...tree.filter, problemsOnly: true });
    const text = await vscode.window.showInputBox({
      title: 'Filter nodes and tables',
      prompt: 'Part of a node address or a table name',
      value: tree.filter?.text ?? '',
    });
    if (text !== undefined) setFilter({ ...tree.filter, text: text.trim() || undefined });
  });
  reg(CMD.clearFilter, () => setFilter(undefined));
  function setFilter(f: { text?: string; problemsOnly?: boolean } | undefined): void {
    tree.filter = isFiltered(f) ? f : undefined;
    const parts = [f?.problemsOnly ? 'problems only' : '', f?.text ? `"${f.text}"` : ''].filter(Boolean);
    view.message = tree.filter ? `Filtered: ${parts.join(', ')}` : undefined;
    void vscode.commands.executeCommand('setContext', 'pegasus.explorer.filtered', !!tree.filter);
    tree.changed(undefined);
  }

  const nodeAction = (command: string, what: string) => async (clicked?: Element, selected?: readonly Element[]) => {
    let sel = selectedNodes(selected && selected.length > 0 ? selected : clicked ? [clicked] : []);
    if (!sel && clicked?.kind === 'cluster') sel = { cluster: clicked.cluster, nodes: [] };
    sel ??= await pickNodes(registry, controller, what);
    if (!sel) return;
    const args: RunbookTemplateArgs = { cluster: sel.cluster, nodes: sel.nodes };
    const known = await vscode.commands.getCommands(true);
    if (!known.includes(command)) {
      throw new Error(
        `${what} needs the runbook feature (command ${command}), which is not available in this window. Check the "Pegasus Ops" log.`,
      );
    }
    return vscode.commands.executeCommand(command, args);
  };
  reg(CMD.scaleIn, nodeAction(RUNBOOK_TEMPLATE_COMMANDS['scale-in'], 'Scale In'));
  reg(CMD.scaleOut, nodeAction(RUNBOOK_TEMPLATE_COMMANDS['scale-out'], 'Scale Out'));
  reg(CMD.migrateNodes, nodeAction(RUNBOOK_TEMPLATE_COMMANDS.migrate, 'Migrate Nodes'));

  reg(CMD.copyAddress, async (clicked?: Element, selected?: readonly Element[]) => {
    const els = selected && selected.length > 0 ? selected : clicked ? [clicked] : [];
    const addrs = [...new Set(els.map((e) => addressOf(e, tree)).filter((a): a is string => !!a))];
    if (addrs.length === 0) return;
    await vscode.env.clipboard.writeText(addrs.join(','));
    vscode.window.setStatusBarMessage(`Copied ${addrs.length === 1 ? addrs[0] : `${addrs.length} addresses`}`, 3000);
  });

  reg(CMD.revealReplicas, async (e?: Element) => {
    if (!e || (e.kind !== 'partition' && e.kind !== 'replica')) return;
    const reps = replicaElementsOf(tree.context(), e.cluster, e.table, e.pidx).map((r) => tree.intern(r));
    if (reps.length === 0) {
      void vscode.window.showInformationMessage(`${e.table} partition ${e.pidx} has no replicas to reveal.`);
      return;
    }
    try {
      // Expand every holder; select and focus the primary (the first one).
      for (const r of reps.slice(1).reverse()) await view.reveal(r, { select: false, focus: false, expand: false });
      await view.reveal(reps[0]!, { select: true, focus: true, expand: false });
    } catch (err) {
      if (tree.filter)
        throw new Error(
          `cannot reveal the replicas of ${e.table} ${e.pidx} while the explorer is filtered; clear the filter and try again`,
        );
      throw err;
    }
    // Returned for tests: the ids of the revealed items (primary first).
    return reps.map((r) => elementId(r));
  });

  reg(CMD.storeClusterCredential, async (e?: Element) => {
    const name = (e && 'cluster' in e ? e.cluster : undefined) ?? (await pickCluster(registry, 'Store a credential for which cluster?'));
    if (!name) return;
    const key = await vscode.window.showInputBox({
      title: `Credential for ${name}`,
      prompt: 'Name of the credential (for example "token" or "ssh-password")',
      value: 'token',
      validateInput: (v) => (/^[\w.-]+$/.test(v) ? undefined : 'letters, digits, _ . - only'),
    });
    if (!key) return;
    const value = await vscode.window.showInputBox({
      title: `${name}: ${key}`,
      prompt: "Stored in VS Code's secret storage, never in settings",
      password: true,
    });
    if (value === undefined) return;
    await registry.storeSecret(name, key, value);
    void vscode.window.showInformationMessage(`Stored "${key}" for ${name} in VS Code's secret storage.`);
  });
  reg(CMD.forgetClusterCredentials, async (e?: Element) => {
    const name =
      (e && 'cluster' in e ? e.cluster : undefined) ?? (await pickCluster(registry, 'Forget the stored credentials of which cluster?'));
    if (!name) return;
    const n = await registry.forgetSecrets(name);
    void vscode.window.showInformationMessage(
      n === 0 ? `No credentials stored for ${name}.` : `Forgot ${n} stored credential${n === 1 ? '' : 's'} of ${name}.`,
    );
  });

  // For in-editor tests: the visible tree as plain data, down to `depth` levels under the roots.
  reg(CMD.inspect, async (opts?: { depth?: number; refresh?: boolean }) => {
    if (opts?.refresh) {
      controller.refresh(undefined, 'manual');
      await controller.idle();
    }
    const ctx = tree.context();
    const walk = (e: Element | undefined, depth: number): unknown[] =>
      childrenOf(ctx, e).map((c) => {
        const it = itemOf(ctx, c);
        return {
          id: it.id,
          label: it.label,
          description: it.description,
          contextValue: it.contextValue,
          children: depth > 0 ? walk(c, depth - 1) : undefined,
        };
      });
    return walk(undefined, opts?.depth ?? 3);
  });
}

function addressOf(e: Element, tree: ExplorerTree): string | undefined {
  switch (e.kind) {
    case 'node':
    case 'metaServer':
    case 'replica':
      return e.address;
    case 'meta':
      return tree.context().clusters.find((c) => c.name === e.cluster)?.snapshot?.meta.leader;
    default:
      return undefined;
  }
}

async function pickCluster(registry: ClusterRegistry, title: string): Promise<string | undefined> {
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

async function pickNodes(
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

async function addCluster(registry: ClusterRegistry): Promise<void> {
  const name = await vscode.window.showInputBox({
    title: 'Add a Pegasus cluster (1/2)',
    prompt: 'A unique name for the cluster',
    validateInput: (v) => (!v.trim() ? 'a cluster needs a name' : registry.get(v.trim()) ? `"${v.trim()}" is already used` : undefined),
  });
  if (!name) return;
  const metas = await vscode.window.showInputBox({
    title: 'Add a Pegasus cluster (2/2)',
    prompt: 'Meta servers as host:port, separated by commas',
    placeHolder: '10.0.0.1:34601,10.0.0.2:34601',
    validateInput: (v) => {
      const bad = v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s && !isHostPort(s));
      return !v.trim() ? 'list at least one meta server' : bad.length > 0 ? `not host:port: ${bad.join(', ')}` : undefined;
    },
  });
  if (!metas) return;
  const cfg = vscode.workspace.getConfiguration('pegasus');
  const inspect = cfg.inspect<unknown[]>('clusters');
  // Add where the user keeps clusters already: the workspace when it has some, else user settings.
  const target = inspect?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  const current = (target === vscode.ConfigurationTarget.Workspace ? inspect?.workspaceValue : inspect?.globalValue) ?? [];
  await cfg.update(
    'clusters',
    [
      ...current,
      {
        name: name.trim(),
        metaServers: metas
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      },
    ],
    target,
  );
  void vscode.window.showInformationMessage(
    `Added ${name.trim()} to pegasus.clusters (${target === vscode.ConfigurationTarget.Workspace ? 'workspace' : 'user'} settings).`,
  );
}
