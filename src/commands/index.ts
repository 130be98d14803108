/**
 * The cell language's entry point: the shared registry with every command registered, and the
 * parser, help, completion, formatting and runner re-exported. Import from here.
 */
import { commandRegistry, CommandRegistry } from './registry';
import { registerShellCommands } from './shell';
import { registerSteps } from './steps';

registerShellCommands(commandRegistry);
registerSteps(commandRegistry);

/** A fresh registry with the built-in commands and the engine's steps (tests, or hosts that add their own). */
export function createRegistry(): CommandRegistry {
  const r = new CommandRegistry();
  registerShellCommands(r);
  registerSteps(r);
  return r;
}

export { commandRegistry, CommandRegistry };
export * from './types';
export * from './errors';
export { tokenize, quoteArg, type Token } from './tokenizer';
export { parseCommand, parseScript, parseArgs, commandLines, isMutating, argError, type ParsedCommand } from './parser';
export { parseDuration, formatDuration } from './duration';
export { usageLine, commandHelp, helpIndex, commandHelpMarkdown } from './help';
export { renderTable, renderTables, tableToMarkdown, resultToMarkdown, keyValueTable, cellText } from './format';
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
