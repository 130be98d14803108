/**
 * The cell language's entry point: `createRegistry()`, and the parser, help, completion,
 * formatting and runner re-exported. Import from here.
 */
import { CommandRegistry } from './registry';
import { registerShellCommands } from './shell';
import { registerSteps } from './steps';

/**
 * A registry with the Pegasus shell commands and the engine's steps. Each program builds one at
 * its entry point (the CLI per run, the extension at activation) and hands it to what parses,
 * completes or runs commands; importing this module registers nothing.
 */
export function createRegistry(): CommandRegistry {
  const r = new CommandRegistry();
  registerShellCommands(r);
  registerSteps(r);
  return r;
}

export { CommandRegistry };
export { defineCommand, type ArgsOf, type CommandDefinition } from './define';
export * from './types';
export * from './errors';
export { tokenize, quoteArg, type Token } from './tokenizer';
export { parseCommand, parseScript, parseArgs, commandLines, isMutating, argError, type ParsedCommand } from './parser';
export { parseDuration, formatDuration } from './duration';
export { usageLine, commandHelp, helpIndex, commandHelpMarkdown } from './help';
export { renderTable, renderTables, tableToMarkdown, resultToMarkdown, keyValueTable, cellText } from './format';
export { terminalSafe, CELL_MAX } from './safeText';
export { runCommandLine, runParsed } from './run';
export {
  completeAt,
  completionDataFrom,
  hoverAt,
  META_REMOTE_COMMANDS,
  type CompletionData,
  type CompletionItem,
  type Completions,
  type Hover,
} from './complete';
