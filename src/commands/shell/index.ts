/** Registers the Pegasus shell commands. */
import type { CommandRegistry } from '../registry';
import { appCommand } from './app';
import { balanceCommand, proposeCommand } from './balance';
import { makeHelpCommand } from './help';
import { lsCommand } from './ls';
import { clusterInfoCommand, getMetaLevelCommand, setMetaLevelCommand } from './meta';
import { nodesCommand } from './nodes';
import { remoteCommandCommand } from './remoteCommand';

export function registerShellCommands(registry: CommandRegistry): void {
  for (const spec of [
    nodesCommand,
    lsCommand,
    appCommand,
    clusterInfoCommand,
    getMetaLevelCommand,
    setMetaLevelCommand,
    remoteCommandCommand,
    balanceCommand,
    proposeCommand,
    makeHelpCommand(registry),
  ]) {
    registry.registerOnce(spec);
  }
}
