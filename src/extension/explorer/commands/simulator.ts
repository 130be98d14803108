import * as vscode from 'vscode';
import type { SimulatedClusterOptions } from '../../clusters';
import { EXPLORER_COMMANDS as CMD, VIEW_ID } from '../commandIds';
import type { ExplorerParts } from '../parts';
import type { Element } from '../treeModel';
import { explorerConfig } from '../workspaceConfig';
import type { RegisterCommand } from './register';

export function registerSimulatorCommands(reg: RegisterCommand, { registry }: ExplorerParts): void {
  reg(CMD.startSimulatedCluster, async (opts?: SimulatedClusterOptions) => {
    // From the palette or the welcome button (no options): a second click shows the running one
    // instead of starting a twin. Automation passes options and gets another cluster (own ports).
    const running = registry.runningSimulations[0];
    const existing = opts === undefined && running !== undefined ? registry.get(running) : undefined;
    if (existing) {
      void vscode.commands.executeCommand(`${VIEW_ID}.focus`);
      void vscode.window.showInformationMessage(
        `The simulated cluster "${existing.profile.name}" is already running (meta ${existing.profile.metaServers.join(', ')}): showing it. Stop it first to start a fresh one.`,
      );
      return {
        name: existing.profile.name,
        metaServers: existing.profile.metaServers,
        nodeControl: existing.profile.nodeControl,
        reused: true,
      };
    }
    const cfg = explorerConfig();
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
}
