/** Actions on selected nodes and partitions: runbook templates for scale-in/out and migration, copy address, reveal replicas. */
import * as vscode from 'vscode';
import type { ClusterRegistry } from '../../clusters';
import { EXPLORER_COMMANDS as CMD, RUNBOOK_TEMPLATE_COMMANDS, type RunbookTemplateArgs } from '../commandIds';
import type { ExplorerController } from '../controller';
import type { ExplorerParts } from '../parts';
import type { ExplorerTree } from '../tree';
import { elementId, replicaElementsOf, selectedNodes, type Element } from '../treeModel';
import { pickNodes } from './pickers';
import type { RegisterCommand } from './register';

export function registerNodeCommands(reg: RegisterCommand, { registry, controller, tree, view }: ExplorerParts): void {
  reg(CMD.scaleIn, nodeAction(registry, controller, RUNBOOK_TEMPLATE_COMMANDS['scale-in'], 'Scale In'));
  reg(CMD.scaleOut, nodeAction(registry, controller, RUNBOOK_TEMPLATE_COMMANDS['scale-out'], 'Scale Out', membersOf(tree)));
  reg(CMD.migrateNodes, nodeAction(registry, controller, RUNBOOK_TEMPLATE_COMMANDS.migrate, 'Migrate Nodes'));

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
}

/** Opens a runbook template for the selected (or picked) nodes through the runbook feature's command. */
function nodeAction(
  registry: ClusterRegistry,
  controller: ExplorerController,
  command: string,
  what: string,
  /** For Scale Out: the selected nodes already serving replicas, which cannot join (they are members). */
  members?: (cluster: string, nodes: readonly string[]) => string[],
) {
  return async (clicked?: Element, selected?: readonly Element[]): Promise<unknown> => {
    // A right-click on a row outside the selection acts on that row: VS Code still passes the old selection.
    const inSelection = clicked !== undefined && !!selected?.some((e) => elementId(e) === elementId(clicked));
    let sel = selectedNodes(selected && selected.length > 0 && (inSelection || !clicked) ? selected : clicked ? [clicked] : []);
    if (!sel && clicked?.kind === 'cluster') sel = { cluster: clicked.cluster, nodes: [] };
    sel ??= await pickNodes(registry, controller, what);
    if (!sel) return;
    const already = members?.(sel.cluster, sel.nodes) ?? [];
    if (already.length > 0) {
      // The runbook still opens, with the members left out, so the operator names the new nodes there.
      void vscode.window.showWarningMessage(
        `${already.join(', ')} ${already.length === 1 ? 'is already a member' : 'are already members'} of ${sel.cluster}: Scale Out joins new nodes only. The runbook leaves ${already.length === 1 ? 'it' : 'them'} out; name the new nodes there.`,
      );
      sel = { cluster: sel.cluster, nodes: sel.nodes.filter((n) => !already.includes(n)) };
    }
    const args: RunbookTemplateArgs = { cluster: sel.cluster, nodes: sel.nodes };
    const known = await vscode.commands.getCommands(true);
    if (!known.includes(command)) {
      throw new Error(
        `${what} needs the runbook feature (command ${command}), which is not available in this window. Check the "Pegasus Ops" log.`,
      );
    }
    return vscode.commands.executeCommand(command, args);
  };
}

function membersOf(tree: ExplorerTree) {
  return (cluster: string, nodes: readonly string[]): string[] => {
    const snap = tree.context().clusters.find((c) => c.name === cluster)?.snapshot;
    // ALIVE and serving: a replica server just started for the scale-out is ALIVE but empty, and may join.
    return snap ? nodes.filter((n) => snap.node(n)?.status === 'ALIVE' && (snap.node(n)?.replicaCount ?? 0) > 0) : [];
  };
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
