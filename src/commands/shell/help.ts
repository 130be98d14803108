/** `help [command]`: the index, or one command's usage and options. */
import { didYouMean } from '../../cluster/suggest';
import { defineCommand } from '../define';
import { CommandError } from '../errors';
import { commandHelp, helpIndex } from '../help';
import type { CommandRegistry } from '../registry';
import type { CommandSpec } from '../types';
import { result } from '../result';

export function makeHelpCommand(registry: CommandRegistry): CommandSpec {
  return defineCommand({
    name: 'help',
    category: 'shell',
    summary: 'list the commands, or show how to use one',
    flags: [],
    positionals: [{ name: 'command', type: 'string', complete: 'command', description: 'the command to explain' }],
    mutating: false,
    async execute(_ctx, args) {
      const name = args.values.command;
      if (name === undefined) {
        const text = helpIndex(registry);
        return result('help', { commands: registry.list().map((s) => ({ name: s.name, category: s.category, summary: s.summary })) }, [], {
          text,
        });
      }
      const spec = registry.get(name);
      if (!spec) {
        const near = didYouMean(name, registry.names());
        throw new CommandError(
          `unknown command '${name}'${near ? ` (did you mean '${near}'?)` : ''}`,
          'UnknownCommand',
          "run 'help' for the list of commands",
        );
      }
      return result('help', { name: spec.name, help: commandHelp(spec) }, [], { text: commandHelp(spec) });
    },
  });
}
