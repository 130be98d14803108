/** Adding a cluster to `pegasus.clusters` and choosing the active one. */
import * as vscode from 'vscode';
import { isHostPort } from '../../../cluster/address';
import type { ClusterRegistry } from '../../clusters';
import { EXPLORER_COMMANDS as CMD } from '../commandIds';
import type { ExplorerParts } from '../parts';
import type { Element } from '../treeModel';
import { pickCluster } from './pickers';
import { clusterOf, type RegisterCommand } from './register';

export function registerClusterCommands(reg: RegisterCommand, { registry }: ExplorerParts): void {
  reg(CMD.addCluster, () => addCluster(registry));
  reg(CMD.setActiveCluster, async (e?: Element | string) => {
    const name = clusterOf(e) ?? (await pickCluster(registry, 'Set the active Pegasus cluster'));
    if (name) await registry.setActive(name);
  });
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
