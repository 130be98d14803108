/** Registers the Pegasus shell commands. */
import type { CommandRegistry } from '../registry';
import type { CommandSpec, FlagSpec } from '../types';
import { appCommand } from './app';
import { appDiskCommand } from './appDisk';
import { balanceCommand, proposeCommand } from './balance';
import { makeHelpCommand } from './help';
import { lsCommand } from './ls';
import { clusterInfoCommand, getMetaLevelCommand, setMetaLevelCommand } from './meta';
import { nodesCommand } from './nodes';
import { remoteCommandCommand } from './remoteCommand';

/** The Pegasus shell's `-j`: operators type it out of habit. Same output as `exec --json`. */
export const JSON_FLAG: FlagSpec = {
  name: 'json',
  short: 'j',
  type: 'boolean',
  description: 'print the result as JSON (camelCase keys, numbers as numbers), like exec --json',
};

/** Adds `-j/--json` to a command: its text becomes the JSON of its data. */
export function withJsonFlag(spec: CommandSpec): CommandSpec {
  return {
    ...spec,
    flags: [...spec.flags, JSON_FLAG],
    async execute(ctx, args) {
      const r = await spec.execute(ctx, args);
      return args.values.json === true ? { ...r, text: JSON.stringify(r.data, null, 2) } : r;
    },
  };
}

export function registerShellCommands(registry: CommandRegistry): void {
  for (const spec of [
    withJsonFlag(nodesCommand),
    withJsonFlag(lsCommand),
    withJsonFlag(appCommand),
    withJsonFlag(appDiskCommand),
    withJsonFlag(clusterInfoCommand),
    getMetaLevelCommand,
    setMetaLevelCommand,
    remoteCommandCommand,
    balanceCommand,
    proposeCommand,
    makeHelpCommand(registry),
  ]) {
    registry.register(spec);
  }
}
